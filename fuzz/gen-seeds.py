#!/usr/bin/env python3
"""Writes the small seed corpora under fuzz/corpus/<target>/ (a handful of files each).
Run from anywhere: python3 fuzz/gen-seeds.py"""
import os, struct, uuid

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
AUDIO = uuid.UUID("73647561-0000-0010-8000-00aa00389b71").bytes_le
PCM = uuid.UUID("00000001-0000-0010-8000-00aa00389b71").bytes_le
FLOAT = uuid.UUID("00000003-0000-0010-8000-00aa00389b71").bytes_le
WFX = uuid.UUID("05589f81-c356-11ce-bf01-00aa0055595a").bytes_le
WILD = bytes(16)

def ks(size, sub, spec=WFX, major=AUDIO, flags=0, sample=0):
    return struct.pack("<IIII", size, flags, sample, 0) + major + sub + spec

def wave(tag, ch, rate, bits, cb=0, valid=None, mask=0, sub=None):
    align = ch * bits // 8
    w = struct.pack("<HHIIHHH", tag, ch, rate, rate * align, align, bits, cb)
    if tag == 0xFFFE:
        w += struct.pack("<HI", valid or bits, mask) + sub
    return w

def ext(ch, rate, bits, valid, mask, sub):
    return ks(104, sub) + wave(0xFFFE, ch, rate, bits, 22, valid, mask, sub)

def wfx(ch, rate, bits, tag, sub):
    body = wave(tag, ch, rate, bits)
    return ks(64 + len(body), sub) + body

def range_audio(sub, maxch, minb, maxb, minhz, maxhz, flags=0):
    return ks(88, sub, flags=flags) + struct.pack("<IIIII", maxch, minb, maxb, minhz, maxhz) + bytes(4)

def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

formats = {
    "float-stereo-48k": ext(2, 48000, 32, 32, 3, FLOAT),
    "int24in32-mono-44k1": ext(1, 44100, 32, 24, 4, PCM),
    "int16-stereo-wfx": wfx(2, 48000, 16, 1, PCM),
    "float-wfx": wfx(2, 96000, 32, 3, FLOAT),
    "int24-16ch-direct": ext(16, 384000, 24, 24, 0, PCM),
}
for n, b in formats.items():
    write("format_parse", n, b)
write("format_parse", "bare-wave", wave(0xFFFE, 2, 48000, 16, 22, 16, 3, PCM))

ranges = {
    "bare-wildcard": ks(64, WILD, WILD, WILD),
    "audio-range-pcm": range_audio(PCM, 2, 16, 24, 44100, 48000),
    "audio-range-float": range_audio(FLOAT, 8, 32, 32, 8000, 384000),
    "audio-range-required-attrs": range_audio(WILD, 2, 16, 32, 0, 0xFFFFFFFF, flags=4),
    "exact-format": formats["float-stereo-48k"],
}
for n, b in ranges.items():
    # first byte selects the pin (bit 7: also check the pin's own ranges), then 21 bytes of
    # KsAudioRange fields, then the client range
    write("data_range_intersection", n, bytes([0x80]) + bytes(21) + b)

# topology: config selector, then requests (item, node kind, verb kind, instance, value)
write("topology_properties", "volume-get-set", bytes([0, 0, 1, 0, 0, 4, 1, 1, 0,0,0,0, 1, 1, 1, 1, 1, 0, 0, 1, 4, 1, 1, 0,0,0,0, 1, 0,0,0xFA,0xFF]))
write("topology_properties", "basic-support", bytes([2, 0, 1, 0, 2, 4, 0, 0,0,0,0, 2, 200]))
write("topology_properties", "jack", bytes([0, 2, 0, 0, 4, 1, 1, 0,0,0,0, 2, 64]))

# portcls: config, seed, then ops (see the target): open, allocate, ramp to RUN, packets, time
open_ = [0]
alloc = [6, 4, 2, 6, 0x80 + 0x00, 0x0f, 0]  # count 2, size 3840
write("portcls_stream_sequence", "render-run", bytes([0, 1] + open_ + [6, 2, 5, 0x00, 0x0f, 0, 0] + [5, 2] + [10, 0, 4, 0, 4, 0] + [5, 3] + [13, 0x10, 0x27] + [12] + [11] + [1, 1]))
write("portcls_stream_sequence", "capture-run", bytes([0, 2, 0x80, 0x86, 2, 5, 0x00, 0x0f, 0, 0, 0x85, 3, 13, 0x10, 0x27, 11, 0x8c, 0x81, 0]))
write("portcls_stream_sequence", "new-stream-and-intersection", bytes([1, 3, 2, 0, 0, 0, 14, 0, 1, 0, 1, 14, 3, 2, 1, 2, 64, 0]))

write("acx_callback_sequence", "render-lifecycle", bytes([0, 1, 0, 0, 0, 2, 2, 1, 0xe0, 0x01, 4, 5, 11, 0x10, 0x27, 8, 9, 4, 0, 4, 1, 4, 0, 6, 7, 3, 1]))
write("acx_callback_sequence", "capture-and-elements", bytes([1, 2, 0, 1, 0, 2, 1, 1, 0x60, 0, 4, 5, 11, 0x20, 0x4e, 10, 12, 0, 0, 13, 1, 1, 14, 1, 0, 1, 15, 1, 0]))

write("registry_config", "text-doc-example", b"\x00Cables = 2\nChannels = 1\nSampleRates = 48000\nPeriodUs = 0x1388 ; 5 ms\nCableName = \"Studio {n}\"\nSampleTypes = float32, int16\n")
write("registry_config", "text-bad", b"\x00Cables = 99\nToneHz = 30000\nSampleRates = 8000\nDefaultSampleRate = 96000\nBogus\n\"Cable;Name\" = x\n")
write("registry_config", "builder", bytes([3, 0, 0, 0, 0, 0, 0, 4]) + b"")

inx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inf", "cadenza.inx")
if os.path.exists(inx):
    with open(inx, "rb") as f:
        write("inf_parser", "cadenza.inx", f.read())
write("inf_parser", "small", b"[Version]\nSignature=\"$Windows NT$\"\nClass=MEDIA\n\n[Strings]\nA=\"x;y\" ; c\n[B]\nk = %A%, 0x10, \\\n  more\n")

# status_property: config selector, then operations; each starts with a byte whose bit 0 picks
# a stream step (op, direction, arg) or a property request (set selector, id selector, verb
# selector, u16 value length, ACX circuit direction)
get = [0, 1, 1, 0, 0x48, 0x01, 0]
size_query = [0, 1, 1, 0, 0, 0, 1]
write("status_property", "run-then-get", bytes([0] + [1, 0, 0, 0] + [1, 1, 0, 1] + [1, 2, 0, 0] + [1, 4, 0, 20] + size_query + get))
write("status_property", "idle-get-set-basic", bytes([1] + get + [0, 1, 1, 1, 0x48, 0x01, 1] + [0, 1, 1, 2, 4, 0, 0]))
