"""Small media files for tests."""


def silent_mp3(seconds: int) -> bytes:
    """A small valid MP3 (MPEG-1 Layer III, 32 kbit/s, 44.1 kHz, mono) of silence: frames
    whose side information is all zero decode as silence. MP3, not WAV, because the
    document library accepts only the extensions in WAGTAILDOCS_EXTENSIONS."""
    frame = bytes([0xFF, 0xFB, 0x10, 0xC0]) + bytes(100)  # 104 bytes = 1152 samples
    return frame * -(-seconds * 44100 // 1152)
