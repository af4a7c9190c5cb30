"""The films the command line picks out of a folder, and how they are written: names only, nothing imported."""

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")
FILM_SUFFIX = ".mp4"  # every film is written as H.264 in MP4, whatever it came in
DEFAULT_VIDEO_QUALITY = 18  # x264's constant rate factor: 0 is lossless, 18 looks like the source, 23 is x264's own default, 51 worst
