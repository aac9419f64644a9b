"""Which container and sample encoding a file name asks for, and what each can hold.

libsndfile names a file by major format ("WAV", "FLAC", "OGG" ...) and subtype ("PCM_24",
"VORBIS" ...). The editor picks them from the extension, with defaults an engineer expects
(24-bit for lossless, float kept float on request), and checks the pair before anything is
written so a bad request fails before the destination is touched.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import soundfile as sf

from studio.errors import AudioFileError, BadAudioError

# Limits past which a header or an array is almost surely wrong (a transposed (N, C) array
# reads as thousands of channels). 768 kHz is the highest rate converters ship with.
MAX_SAMPLERATE = 768_000
MAX_CHANNELS = 256

# extension -> (libsndfile major format, default subtype)
EXTENSIONS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "PCM_24"),
    ".wave": ("WAV", "PCM_24"),
    ".rf64": ("RF64", "PCM_24"),
    ".w64": ("W64", "PCM_24"),
    ".bwf": ("WAV", "PCM_24"),
    ".flac": ("FLAC", "PCM_24"),
    ".ogg": ("OGG", "VORBIS"),
    ".oga": ("OGG", "VORBIS"),
    ".opus": ("OGG", "OPUS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".aif": ("AIFF", "PCM_24"),
    ".aiff": ("AIFF", "PCM_24"),
    ".aifc": ("AIFF", "PCM_24"),
    ".caf": ("CAF", "PCM_24"),
    ".au": ("AU", "PCM_24"),
}

FORMAT_DEFAULT_SUBTYPE = {"WAV": "PCM_24", "WAVEX": "PCM_24", "RF64": "PCM_24", "W64": "PCM_24",
                          "FLAC": "PCM_24", "AIFF": "PCM_24", "CAF": "PCM_24", "AU": "PCM_24",
                          "OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}

# Sample rates a codec accepts (None = any). Opus and MPEG audio are fixed-rate codecs.
CODEC_RATES: dict[str, tuple[int, ...]] = {
    "OPUS": (8000, 12000, 16000, 24000, 48000),
    "MPEG_LAYER_III": (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000),
    "MPEG_LAYER_II": (16000, 22050, 24000, 32000, 44100, 48000),
    "MPEG_LAYER_I": (16000, 22050, 24000, 32000, 44100, 48000),
}
CODEC_MAX_CHANNELS = {"OPUS": 255, "VORBIS": 255, "MPEG_LAYER_III": 2, "MPEG_LAYER_II": 2,
                      "MPEG_LAYER_I": 2}

# codecs libsndfile encodes only in their own container (check_format accepts MPEG in WAV,
# writing it fails: MP3 data named .wav must not pass its subtype on)
CODEC_CONTAINER = {"MPEG_LAYER_I": "MP3", "MPEG_LAYER_II": "MP3", "MPEG_LAYER_III": "MP3",
                   "VORBIS": "OGG", "OPUS": "OGG"}

# integer PCM subtypes we quantize ourselves (exact scaling, dither): name -> bits
PCM_BITS = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
LOSSY_SUBTYPES = {"VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III",
                  "GSM610", "IMA_ADPCM", "MS_ADPCM", "VOX_ADPCM", "G721_32", "G723_24",
                  "G723_40", "NMS_ADPCM_16", "NMS_ADPCM_24", "NMS_ADPCM_32", "ULAW", "ALAW"}

# past this a RIFF WAV overflows its 32-bit sizes and must become RF64
RIFF_LIMIT_BYTES = (1 << 32) - (1 << 20)


@dataclass(frozen=True)
class Target:
    """What will be written: libsndfile major format and subtype, plus whether libsndfile
    should downgrade RF64 to plain RIFF when the file turns out small."""
    format: str
    subtype: str
    rf64_auto_downgrade: bool = False

    @property
    def bits(self) -> int | None:
        return PCM_BITS.get(self.subtype)


def subtype_bits(subtype: str) -> int | None:
    """Bits of an integer PCM subtype (None for float and compressed ones)."""
    return PCM_BITS.get(subtype.upper())


def check_rate_and_channels(rate: int, channels: int, what: str = "audio") -> None:
    if not (0 < int(rate) <= MAX_SAMPLERATE):
        raise BadAudioError(f"{what} has an unusable sample rate of {rate} Hz "
                            f"(must be 1..{MAX_SAMPLERATE})")
    if not (0 < int(channels) <= MAX_CHANNELS):
        raise BadAudioError(f"{what} has an unusable channel count of {channels} "
                            f"(must be 1..{MAX_CHANNELS}; is the array transposed?)")


def choose_target(path: os.PathLike | str, channels: int, *, format: str | None = None,
                  subtype: str | None = None, frames: int | None = None) -> Target:
    """The format and subtype to write `path` with; raises AudioFileError for a combination
    libsndfile cannot write (checked before any byte hits the disk)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if format is None:
        if ext not in EXTENSIONS:
            known = ", ".join(sorted(EXTENSIONS))
            raise AudioFileError(f"cannot tell the format of {os.fspath(path)} from its extension "
                                 f"'{ext or '(none)'}' (use one of {known})")
        format, default_subtype = EXTENSIONS[ext]
    else:
        format = format.upper()
        if format not in sf.available_formats():
            raise AudioFileError(f"unknown audio format '{format}'")
        default_subtype = FORMAT_DEFAULT_SUBTYPE.get(format) or sf.default_subtype(format)
    subtype = (subtype or default_subtype).upper()
    if subtype not in sf.available_subtypes():
        raise AudioFileError(f"unknown sample format '{subtype}' "
                             f"(e.g. PCM_16, PCM_24, FLOAT for {format})")
    if not sf.check_format(format, subtype):
        allowed = ", ".join(sorted(sf.available_subtypes(format)))
        raise AudioFileError(f"{format} files cannot hold {subtype} samples (choose {allowed})")
    limit = CODEC_MAX_CHANNELS.get(subtype)
    if limit is not None and channels > limit:
        raise AudioFileError(f"{subtype} can hold at most {limit} channels, not {channels}")
    rf64_auto = False
    if format == "WAV":
        # WAVE_FORMAT_EXTENSIBLE carries the channel layout that > 2 channels need; RF64 with
        # auto-downgrade writes plain RIFF unless the file passes 4 GiB (size unknown upfront
        # for a stream, or known to be that big).
        width = max(1, (PCM_BITS.get(subtype) or 32) // 8)
        big = frames is None or frames * channels * width > RIFF_LIMIT_BYTES
        if big:
            format, rf64_auto = "RF64", True
        elif channels > 2:
            format = "WAVEX"
    return Target(format, subtype, rf64_auto)


def allowed_rate(subtype: str, rate: int) -> int:
    """The rate to encode at: `rate` if the codec takes it, else the nearest higher rate it
    takes (so a 44.1 kHz export to Opus goes out at 48 kHz and loses nothing)."""
    rates = CODEC_RATES.get(subtype.upper())
    if not rates or rate in rates:
        return rate
    higher = [r for r in rates if r >= rate]
    return higher[0] if higher else rates[-1]


def kept_subtype(out_path: os.PathLike | str, in_path: os.PathLike | str | None,
                 in_subtype: str | None, requested: str | None = None) -> tuple[str | None, str | None]:
    """(subtype to write, a note for the user or None). The input's sample format is kept for
    the same kind of file (a float WAV stays float), when the output's format can hold it:
    a 36-bit WAV (read through scipy, float32 precision) becomes FLOAT, and Ogg or MP3 data
    named .wav becomes the format's default. None: the format's default."""
    if requested:
        return requested, None
    if not in_path or not in_subtype:
        return None, None
    out_ext = os.path.splitext(os.fspath(out_path))[1].lower()
    if out_ext != os.path.splitext(os.fspath(in_path))[1].lower() or out_ext not in EXTENSIONS:
        return None, None
    fmt, default = EXTENSIONS[out_ext]
    sub = in_subtype.upper()
    if sub in sf.available_subtypes() and sf.check_format(fmt, sub) and \
            CODEC_CONTAINER.get(sub, fmt) == fmt:
        return sub, None
    wide = sub.startswith("PCM_") and sub[4:].isdigit() and int(sub[4:]) > 32
    chosen = "FLOAT" if wide and sf.check_format(fmt, "FLOAT") else default
    why = "32-bit float (what was read: 24-bit precision)" if chosen == "FLOAT" else chosen
    return chosen, f"{fmt} cannot hold the input's {sub} samples; written as {why}"
