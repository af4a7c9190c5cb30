"""Films the tests make themselves, with PyAV directly: moving shapes over texture, cuts, a tone."""

import av
import numpy as np

TONE_HZ = 440
SAMPLE_RATE = 44100


def texture(width, height, seed=0):
    """A textured gray background (smooth random blobs plus fine grain), 0..255 uint8: something for the flow to hold on to."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(60, 200, (height // 8 + 2, width // 8 + 2))
    blobs = np.kron(coarse, np.ones((8, 8)))[:height, :width]
    return np.clip(blobs + rng.normal(0, 12, (height, width)), 0, 255).astype(np.uint8)


def moving_square(count, width=96, height=64, side=20, step=(1.5, 0.5), seed=0):
    """Frames (gray RGB uint8) of a dark textured square moving `step` pixels a frame over a still texture, and its top-left corners."""
    background = texture(width, height, seed)
    square = (texture(side, side, seed + 1) // 4).astype(np.uint8)  # dark, with its own grain
    frames, corners = [], []
    for index in range(count):
        x, y = 10 + step[0] * index, 10 + step[1] * index
        frame = background.copy()
        frame[round(y) : round(y) + side, round(x) : round(x) + side] = square
        frames.append(np.repeat(frame[..., None], 3, axis=-1))
        corners.append((x, y))
    return frames, corners


def write_film(path, frames, frame_rate=25, tone=False, video_codec="libx264", audio_codec="aac"):
    """Encode RGB frames (and, with `tone`, a 440 Hz sine as long as the film) with PyAV."""
    height, width = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as output:
        video = output.add_stream(video_codec, rate=frame_rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = output.add_stream(audio_codec, rate=SAMPLE_RATE, layout="mono") if tone else None
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if audio:
            seconds = len(frames) / frame_rate
            times = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
            samples = (0.5 * np.sin(2 * np.pi * TONE_HZ * times)).astype(np.float32)
            sample_format = "fltp" if audio_codec == "aac" else "s16"
            data = samples[None] if sample_format == "fltp" else (samples[None] * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(data, format=sample_format, layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, 0
            output.mux(audio.encode(frame))
            output.mux(audio.encode(None))
    return path


def read_sound(path):
    """The first channel of the film's first audio stream, decoded, and its sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([frame.to_ndarray()[0].astype(np.float32) for frame in container.decode(stream)])
        return samples, stream.codec_context.sample_rate


def strongest_frequency(samples, sample_rate):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.fft.rfftfreq(len(samples), 1 / sample_rate)[np.argmax(spectrum)]
