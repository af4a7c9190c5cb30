"""A film coloured frame by frame through the photo path, its colour held steady along the motion.

Frames go through `Colorizer.predict_batch` a few at a time, each frame's colour is made one per
thing (`Colorizer.colour`, at the model's size), `SteadyColour` carries that colour along the flow
(so that regions found anew on every frame do not flicker), strokes given on one frame follow the
film (`StrokeTrack`), and each frame is rendered by `Colorizer.render_pixels` and encoded; the
sound is copied (`io.FilmWriter`).
Nothing but a handful of frames is held at once.
"""

import dataclasses
import itertools
import math

from ..colour.resize import resize_channels
from ..config import DEFAULT_STRENGTH
from ..hints.strokes import read_hints
from .formats import DEFAULT_VIDEO_QUALITY
from .io import FilmError, FilmWriter, probe, read_frames
from .temporal import SteadyColour, StrokeTrack

FRAMES_PER_BATCH = 8  # frames through the model at once: its batch speed-up, without holding more
MAX_FILM_PIXELS = 3840 * 2160  # 4K frames at most
MAX_FILM_SECONDS = 4 * 3600


def colorize_film(
    colorizer, source, destination, strength=DEFAULT_STRENGTH, hints=None, hints_frame=0, quality=DEFAULT_VIDEO_QUALITY,
    steady=True, max_seconds=MAX_FILM_SECONDS, max_pixels=MAX_FILM_PIXELS, max_frames=None, progress=None,
):
    """Colour the film `source` into `destination` (MP4, H.264, the sound copied); returns its `FilmInfo`.

    `hints` (an RGBA image of the frame's size, or (x, y, colour) points) are given on frame `hints_frame` and follow
    the motion to the end of its shot. `steady=False` colours each frame on its own (the photo path, for comparison).
    `progress(frames_done)` is called after each batch of frames. Limits are checked before any frame is decoded, and
    again as frames are decoded (`checked_frames`: a header can lie); a film over one is not written at all.
    """
    info = probe(source, max_seconds, max_pixels)
    if max_frames is not None and info.frames > max_frames:
        raise FilmError(f"{source}: {info.frames} frames; films up to {max_frames} frames are accepted here")
    size = (info.width, info.height)
    stroke_hints = read_hints(hints, size) if hints is not None else None
    steadiness = SteadyColour() if steady else None
    model_size = (colorizer.input_size, colorizer.input_size)  # the flow's size
    track = None
    frames = checked_frames(source, info, max_seconds, max_frames)
    with FilmWriter(destination, size, info.frame_rate, sound_from=source, quality=quality) as writer:
        for start in itertools.count(0, FRAMES_PER_BATCH):
            batch = list(itertools.islice(frames, FRAMES_PER_BATCH))
            if not batch:
                break
            times, pictures = zip(*batch)
            predictions = colorizer.predict_batch(list(pictures), batch_size=FRAMES_PER_BATCH)
            for index, (seconds, prediction) in enumerate(zip(times, predictions), start):
                pair = steadiness.next_frame(prediction.lightness) if steadiness else None
                if index == hints_frame and stroke_hints is not None:
                    track = StrokeTrack(stroke_hints, size, colorizer.config.input_size)
                elif track:
                    track.follow(pair)
                ab = resize_channels(colorizer.colour(prediction, track.hints if track else None), model_size)
                if steadiness:
                    ab = steadiness.show(ab)
                shown = dataclasses.replace(prediction, ab=ab, features=None, regions=None)  # its ab is the colour to show
                writer.write(colorizer.render_pixels(shown, strength)[..., :3], seconds)
            if progress:
                progress(len(batch))
        if writer.frames_written == 0:
            raise FilmError(f"{source}: the film has no frames")  # nothing is written
    return info


def checked_frames(source, info, max_seconds, max_frames=None):
    """The film's (seconds, frame) pairs, each checked against what its header promised: the frame size, and no more
    frames than `max_seconds` holds at its frame rate, nor than `max_frames` (a header may say 10 s of a film of 120).
    A FilmError stops the film."""
    limits = [math.floor(max_seconds * info.frame_rate) + 1 if max_seconds is not None else None, max_frames]
    most = min((limit for limit in limits if limit is not None), default=None)
    for number, (seconds, frame) in enumerate(read_frames(source, times=True), 1):
        if frame.shape[:2] != (info.height, info.width):
            raise FilmError(f"{source}: frame {number} is {frame.shape[1]}x{frame.shape[0]}, but the film says "
                            f"{info.width}x{info.height}; films that change size are not accepted")
        if most is not None and number > most:
            raise FilmError(f"{source}: longer than its header says: over {most} frames "
                            f"({max_seconds:.0f} s at {float(info.frame_rate):.3g} fps, or the frame limit); not written")
        yield seconds, frame
