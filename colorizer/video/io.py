"""Films in and out with PyAV (FFmpeg inside its wheel): frames streamed one at a time, the audio copied as it is.

Reading decodes the first video stream into RGB frames; writing encodes H.264 (yuv420p) in MP4
under a hidden temporary name beside the destination, interleaves the source's audio packets
as the frames go (so memory stays flat however long the film), and renames the finished file
into place. Anything that goes wrong, an interruption included, removes the temporary file.
"""

import contextlib
import os
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .formats import DEFAULT_VIDEO_QUALITY

VIDEO_CODEC, PIXEL_FORMAT, ENCODER_PRESET = "libx264", "yuv420p", "fast"
AUDIO_COPIED = {"aac", "mp3", "opus", "ac3", "eac3", "alac", "flac"}  # codecs MP4 holds as they are; others become AAC
AUDIO_LEAD_S = 1.0  # audio is written up to this far ahead of the frames: enough for the muxer to interleave
HEADER_ONLY = {"skip_frame": "all"}  # FFmpeg's stream probing decodes no frame (a 16000x16000 one took 730 MB)
TIME_BASE = Fraction(1, 90000)  # the written film's clock: a frame keeps its time to 11 microseconds (MPEG's clock)
TIME_ROUNDING_S = 0.001  # frame times this close to the steady rhythm are taken as on it
MIN_FRAME_SIDE = 16  # pixels: a smaller frame holds nothing to colour (and 1x1 broke the flow)


class FilmError(ValueError):
    """A film that cannot be read, or is over a limit; the message says why."""


@dataclass(frozen=True)
class FilmInfo:
    """What a film is, read from its header: frame size, frames per second, length, whether it has sound."""

    width: int
    height: int
    frame_rate: Fraction
    duration: float  # seconds
    frames: int  # from the header, or duration x frame rate
    audio: bool

    def describe(self):
        return f"{self.width}x{self.height}, {float(self.frame_rate):.3g} fps, {self.duration:.1f} s" + (", with sound" if self.audio else "")


def probe(path, max_duration=None, max_pixels=None) -> FilmInfo:
    """The film's `FilmInfo` from its header, checked against the limits before anything is decoded."""
    try:
        with av.open(str(path), options=HEADER_ONLY) as container:
            if not container.streams.video:
                raise FilmError(f"{path}: no video stream")
            stream = container.streams.video[0]
            frame_rate = stream.average_rate or stream.guessed_rate
            duration = _duration(container, stream)
            if not frame_rate or duration is None or stream.codec_context.width == 0:
                raise FilmError(f"{path}: the film's header does not say its frame rate, length or size")
            info = FilmInfo(
                stream.codec_context.width, stream.codec_context.height, Fraction(frame_rate), duration,
                stream.frames or round(duration * frame_rate), bool(container.streams.audio),
            )
    except av.FFmpegError as error:
        raise FilmError(f"{path}: not a film that can be read ({_reason(error)})") from None
    if min(info.width, info.height) < MIN_FRAME_SIDE:
        raise FilmError(f"{path}: {info.width}x{info.height}; films of at least {MIN_FRAME_SIDE}x{MIN_FRAME_SIDE} pixels are accepted")
    if max_duration is not None and info.duration > max_duration:
        raise FilmError(f"{path}: {info.duration:.0f} s long; films up to {max_duration:.0f} s are accepted here")
    if max_pixels is not None and info.width * info.height > max_pixels:
        raise FilmError(f"{path}: {info.width}x{info.height}; films up to {max_pixels / 1e6:.2g} MP a frame are accepted here")
    return info


def _duration(container, stream):
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _reason(error):
    return getattr(error, "strerror", None) or str(error)


def read_frames(path, times=False):
    """The film's frames, one at a time, as RGB arrays (H x W x 3, uint8).

    With `times`, (seconds since the first frame, frame) pairs: a film whose frames come at
    uneven times (variable frame rate) keeps them. A frame without a time gets None.
    """
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start = None
            for frame in container.decode(stream):
                rgb = frame.to_ndarray(format="rgb24")
                if not times:
                    yield rgb
                    continue
                start = frame.time if start is None else start
                yield (None if frame.time is None or start is None else frame.time - start), rgb
    except av.FFmpegError as error:
        raise FilmError(f"{path}: the film is damaged ({_reason(error)})") from None


class FilmWriter:
    """Writes frames of `size` (width, height) to `destination` (MP4, H.264), with the audio of `sound_from`
    (a film, or None); a context manager.

    Frames of odd width or height lose their last column or row (yuv420p needs even sizes).
    The file appears under its name only when the `with` block ends without an error.
    """

    def __init__(self, destination, size, frame_rate, sound_from=None, quality=DEFAULT_VIDEO_QUALITY):
        self.destination, self.size, self.frame_rate, self.sound_from = Path(destination), size, Fraction(frame_rate), sound_from
        self.partial = self.destination.with_name(f".partial-{uuid.uuid4().hex[:12]}.mp4")
        self.quality, self.frames_written, self.last_pts = quality, 0, -1

    def __enter__(self):
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        self.output = av.open(str(self.partial), mode="w", format="mp4")
        try:
            self.video = self.output.add_stream(VIDEO_CODEC, rate=self.frame_rate)
            self.video.codec_context.time_base = self.video.time_base = TIME_BASE
            self.video.width, self.video.height = self.size[0] // 2 * 2, self.size[1] // 2 * 2
            self.video.pix_fmt = PIXEL_FORMAT
            self.video.options = {"crf": str(self.quality), "preset": ENCODER_PRESET}
            self.audio = _AudioCopy(self.sound_from, self.output) if self.sound_from and probe(self.sound_from).audio else None
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, rgb: np.ndarray, seconds: float | None = None):
        """Encode one frame (H x W x 3 uint8, the film's size) at `seconds` from the start, and the sound that goes
        with it. A frame comes one frame period after the last unless its time says otherwise by more than a
        container's rounding (MKV keeps milliseconds), so that a steady film stays exactly steady."""
        rgb = rgb[: self.video.height, : self.video.width]
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        period = round(1 / (self.frame_rate * TIME_BASE))
        pts = self.last_pts + period if self.frames_written else 0
        if seconds is not None and self.frames_written and abs(seconds / TIME_BASE - pts) > TIME_ROUNDING_S / TIME_BASE:
            pts = max(round(seconds / TIME_BASE), self.last_pts + 1)
        frame.pts, frame.duration, frame.time_base = pts, period, TIME_BASE  # (the last frame's length is its duration)
        self.output.mux(self.video.encode(frame))
        self.frames_written, self.last_pts = self.frames_written + 1, pts
        if self.audio:
            self.audio.copy_until(float((pts + period) * TIME_BASE) + AUDIO_LEAD_S)

    def __exit__(self, kind, error, traceback):
        if kind is not None:
            self._discard()
            return False
        try:
            self.output.mux(self.video.encode(None))
            if self.audio:
                self.audio.copy_until(None)
            self.output.close()
            os.replace(self.partial, self.destination)
        except BaseException:
            self._discard()
            raise
        return False

    def _discard(self):
        for closing in (getattr(self, "audio", None), self.output):
            if closing:
                with contextlib.suppress(Exception):  # already failing: the error that matters is the first
                    closing.close()
        self.partial.unlink(missing_ok=True)


class _AudioCopy:
    """The source's first audio stream, muxed into `output` as the frames go: copied, or as AAC where MP4 cannot hold it."""

    def __init__(self, source, output):
        self.input = av.open(str(source))
        self.stream = self.input.streams.audio[0]
        self.output = output
        self.copying = self.stream.codec_context.name in AUDIO_COPIED
        if self.copying:
            self.out = output.add_stream_from_template(self.stream)
        else:
            source = self.stream.codec_context
            layout = "mono" if source.layout and len(source.layout.channels) == 1 else "stereo"  # what AAC surely takes
            self.out = output.add_stream("aac", rate=source.sample_rate or 48000, layout=layout, format="fltp")
        self.packets = self.input.demux(self.stream)
        self.pending = None

    def copy_until(self, seconds):
        """Mux the audio up to `seconds` into the film (None: all that is left)."""
        for packet in self._packets_until(seconds):
            if self.copying:
                packet.stream = self.out
                self.output.mux(packet)
            else:
                for frame in packet.decode():
                    frame.pts = None
                    self.output.mux(self.out.encode(frame))
        if seconds is None and not self.copying:
            self.output.mux(self.out.encode(None))

    def _packets_until(self, seconds):
        while True:
            packet = self.pending or next(self.packets, None)
            self.pending = None
            if packet is None:
                return
            if packet.dts is None and packet.size == 0:  # the demuxer's flush packet
                continue
            if seconds is not None and packet.pts is not None and float(packet.pts * packet.time_base) > seconds:
                self.pending = packet
                return
            yield packet

    def close(self):
        self.input.close()
