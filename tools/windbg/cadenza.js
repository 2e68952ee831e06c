"use strict";

// cadenza.js — WinDbg JavaScript extension for the Cadenza audio drivers.
//
//   .scriptload C:\cadenza\tools\windbg\cadenza.js
//   dx @$cadenza().info()                  root: version, framework, ring and table sizes
//   dx -g @$cadenza().streams()            live streams (grid)
//   dx @$cadenza().trace()                 decoded trace, oldest first, newest last
//   dx @$cadenza().trace(2)                only stream 2
//   dx @$cadenza().trace("Underrun")       only one kind (names as printed; comma-separated)
//   dx @$cadenza().trace(2, "PacketWritten,Underrun")
//   dx @$cadenza("cadenza_pc").streams()   pick the driver when both are loaded
//   !cdzstreams                            same as dx @$cdzstreams()
//   !cdztrace 2, "Notification"            same as dx @$cdztrace(2, "Notification")
//
// The driver exports CADENZA_DEBUG_ROOT (driver/engine/src/debug_registry.rs). This script
// finds it in cadenza_acx or cadenza_pc, checks its magic and layout version, and reads the
// trace ring and stream table with the layout of that version only; an unknown version is
// refused. Only documented host APIs are used: host.getModuleSymbolAddress,
// host.memory.readMemoryValues (4-byte unsigned elements), host.Int64 and its add(),
// host.functionAlias, host.apiVersionSupport. 64-bit values are handled as two 32-bit
// halves, so nothing depends on BigInt. The text of a trace line is exactly what the Rust
// decoder prints (TraceEntry's Display in driver/engine/src/trace.rs) — keep them in step.

const ROOT_SYMBOL = "CADENZA_DEBUG_ROOT";
const MODULES = ["cadenza_acx", "cadenza_pc"];
const MAGIC = [0x43, 0x41, 0x44, 0x45, 0x4e, 0x5a, 0x41, 0x00]; // "CADENZA\0"

// One entry per layout version this script understands. Offsets in bytes.
const LAYOUTS = {
    1: {
        rootSize: 80,
        root: {
            version: 8, rootSize: 12, framework: 16, recordSize: 20, ringCapacity: 24,
            ringHeaderSize: 28, slotSize: 32, slotCount: 36, tableHeaderSize: 40,
            traceRing: 48, streamTable: 56, qpcFrequency: 64,
        },
        ring: { head: 0, dropped: 8, capacity: 16, recordSize: 20 },
        recordSize: 64,
        record: { stamp: 0, qpc: 8, stream: 16, kindAndFlags: 20, args: 24, seq: 56 },
        table: { capacity: 0, slotSize: 4, refused: 8 },
        slotSize: 256,
        slot: {
            seq: 0, key: 8,
            // u32 fields from offset 16, in this order
            words: ["stream", "cable", "framework", "direction", "state", "rate", "channels",
                "sample_type", "block_align", "valid_bits", "channel_mask", "flags",
                "buffer_bytes", "packet_frames", "packets", "stride"],
            wordsOffset: 16,
            // u64 fields from offset 80, in this order
            quads: ["linear_frames", "transferred", "completed_packets", "updated_qpc",
                "wakeups", "early_wakeups", "notifications", "missed_notifications",
                "max_lateness_ticks", "total_lateness_ticks", "underrun_frames", "late_packets",
                "overrun_packets", "overflow_packets", "dropped_frames", "glitches"],
            quadsOffset: 80,
        },
    },
};

const KIND_NAMES = [
    null, "StateChange", "BufferAllocated", "BufferFreed", "Notification",
    "MissedNotifications", "PacketWritten", "PacketRead", "LateTimer", "Underrun", "Overflow",
    "Error", "EventRegistered", "EventUnregistered", "StreamCreated", "StreamDestroyed",
    "DeviceRemoved", "Power",
];
const KS_STATES = ["STOP", "ACQUIRE", "PAUSE", "RUN"];
const SAMPLE_TYPES = [null, "int16", "int24", "int24in32", "int32", "float32"];
const DIRECTIONS = ["render", "capture"];
const FRAMEWORKS = [null, "acx", "portcls", "sim"];

// ---- unsigned 64-bit values as {hi, lo} (no BigInt in the debugger's JavaScript) ----

const TWO32 = 4294967296;

function u64(lo, hi) {
    return { lo: lo >>> 0, hi: hi >>> 0 };
}

function u64Cmp(a, b) {
    if (a.hi !== b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    if (a.lo !== b.lo) {
        return a.lo < b.lo ? -1 : 1;
    }
    return 0;
}

function u64AddSmall(a, n) {
    const lo = a.lo + n;
    return u64(lo % TWO32, a.hi + Math.floor(lo / TWO32));
}

// a - b, saturating at zero.
function u64Sub(a, b) {
    if (u64Cmp(a, b) <= 0) {
        return u64(0, 0);
    }
    let lo = a.lo - b.lo;
    let hi = a.hi - b.hi;
    if (lo < 0) {
        lo += TWO32;
        hi -= 1;
    }
    return u64(lo, hi);
}

function u64IsSmall(a, limit) {
    return a.hi === 0 && a.lo < limit;
}

function u64ToDecimal(a) {
    if (a.hi < 0x200000) {
        return String(a.hi * TWO32 + a.lo); // below 2^53: exact
    }
    // Long division by 10 on 16-bit limbs.
    let limbs = [a.hi >>> 16, a.hi & 0xffff, a.lo >>> 16, a.lo & 0xffff];
    let digits = "";
    while (limbs.some(function (l) { return l !== 0; })) {
        let rem = 0;
        limbs = limbs.map(function (l) {
            const cur = rem * 65536 + l;
            rem = cur % 10;
            return Math.floor(cur / 10);
        });
        digits = String(rem) + digits;
    }
    return digits === "" ? "0" : digits;
}

function pad(s, width) {
    while (s.length < width) {
        s = "0" + s;
    }
    return s;
}

function u64ToHex(a) {
    if (a.hi === 0) {
        return "0x" + a.lo.toString(16);
    }
    return "0x" + a.hi.toString(16) + pad(a.lo.toString(16), 8);
}

// ---- target memory ----

const CHUNK = 4096;

// `count` unsigned 32-bit values from `address` (a host Int64).
function readU32s(address, count) {
    const out = [];
    for (let done = 0; done < count; done += CHUNK) {
        const n = Math.min(CHUNK, count - done);
        const vals = host.memory.readMemoryValues(address.add(done * 4), n, 4, false);
        for (let i = 0; i < n; i++) {
            out.push(Number(vals[i]) >>> 0);
        }
    }
    return out;
}

// Little views over an array of u32 words: byte offsets must be 4-aligned.
function word(words, byteOffset) {
    return words[byteOffset / 4];
}

function quad(words, byteOffset) {
    return u64(words[byteOffset / 4], words[byteOffset / 4 + 1]);
}

function pointer(words, byteOffset) {
    const q = quad(words, byteOffset);
    return host.Int64(q.lo, q.hi);
}

// ---- the root ----

function lookupRoot(moduleName) {
    const candidates = moduleName ? [String(moduleName)] : MODULES;
    for (const m of candidates) {
        let address;
        try {
            address = host.getModuleSymbolAddress(m, ROOT_SYMBOL);
        } catch (e) {
            address = undefined;
        }
        if (address !== undefined && address !== null) {
            return { module: m, address: address };
        }
    }
    throw new Error("cadenza: " + ROOT_SYMBOL + " not found in " + candidates.join(" or ") +
        ". Is the driver loaded, and are its symbols loaded (.reload /f cadenza_acx.sys or " +
        "cadenza_pc.sys; .sympath)?");
}

function readRoot(moduleName) {
    const found = lookupRoot(moduleName);
    const head = readU32s(found.address, 4);
    const bytes = [];
    for (let i = 0; i < 8; i++) {
        bytes.push((head[i >> 2] >>> (8 * (i & 3))) & 0xff);
    }
    for (let i = 0; i < 8; i++) {
        if (bytes[i] !== MAGIC[i]) {
            throw new Error("cadenza: " + found.module + "!" + ROOT_SYMBOL + " does not start " +
                "with the CADENZA magic: wrong symbols for this binary, or not a Cadenza driver.");
        }
    }
    const version = head[2];
    const layout = LAYOUTS[version];
    if (layout === undefined) {
        throw new Error("cadenza: debug layout version " + version + " is not supported by " +
            "this cadenza.js (it knows version " + Object.keys(LAYOUTS).join(", ") + "). Load " +
            "the cadenza.js shipped with this driver build.");
    }
    const words = readU32s(found.address, layout.rootSize / 4);
    const r = layout.root;
    const root = {
        module: found.module,
        address: found.address,
        version: version,
        layout: layout,
        framework: word(words, r.framework),
        recordSize: word(words, r.recordSize),
        ringCapacity: word(words, r.ringCapacity),
        ringHeaderSize: word(words, r.ringHeaderSize),
        slotSize: word(words, r.slotSize),
        slotCount: word(words, r.slotCount),
        tableHeaderSize: word(words, r.tableHeaderSize),
        traceRing: pointer(words, r.traceRing),
        streamTable: pointer(words, r.streamTable),
        qpcFrequency: quad(words, r.qpcFrequency),
    };
    if (word(words, r.rootSize) !== layout.rootSize || root.recordSize !== layout.recordSize ||
        root.slotSize !== layout.slotSize) {
        throw new Error("cadenza: the root claims version " + version + " but its sizes do " +
            "not match that layout (root " + word(words, r.rootSize) + ", record " +
            root.recordSize + ", slot " + root.slotSize + "); refusing to decode.");
    }
    return root;
}

// ---- trace decoding (text identical to the Rust Display) ----

function nameOf(table, v) {
    if (u64IsSmall(v, table.length) && table[v.lo] !== null) {
        return table[v.lo];
    }
    return "?";
}

function kindName(raw) {
    return raw >= 1 && raw < KIND_NAMES.length ? KIND_NAMES[raw] : null;
}

function details(kind, a) {
    const d = u64ToDecimal;
    switch (kind) {
        case "StateChange":
            return " " + nameOf(KS_STATES, a[0]) + "->" + nameOf(KS_STATES, a[1]);
        case "BufferAllocated":
            return " bytes=" + d(a[0]) + " packet_frames=" + d(a[1]) + " packets=" + d(a[2]) +
                " stride=" + d(a[3]);
        case "BufferFreed":
            return " bytes=" + d(a[0]);
        case "Notification":
            return " packet=" + d(a[0]) + " boundary=" + d(a[1]);
        case "MissedNotifications":
            return " missed=" + d(a[0]) + " packet=" + d(a[1]);
        case "PacketWritten":
            return " packet=" + d(a[0]) + " flags=" + u64ToHex(a[1]) + " eos_bytes=" + d(a[2]);
        case "PacketRead":
            return " packet=" + d(a[0]) + " qpc=" + d(a[1]) + " more=" + d(a[2]);
        case "LateTimer":
            return " late_ticks=" + d(a[0]) + " deadline=" + d(a[1]);
        case "Underrun":
            return " frames=" + d(a[0]) + " at_frame=" + d(a[1]);
        case "Overflow":
            return " packets=" + d(a[0]);
        case "Error":
            return " status=0x" + pad(a[0].lo.toString(16), 8) + " context=" + d(a[1]);
        case "EventRegistered":
        case "EventUnregistered":
            return " event=" + u64ToHex(a[0]);
        case "StreamCreated":
            return " " + nameOf(DIRECTIONS, a[0]) + " rate=" + d(a[1]) + " channels=" + d(a[2]) +
                " type=" + nameOf(SAMPLE_TYPES, a[3]);
        case "Power":
            return " D" + d(a[0]);
        default:
            return "";
    }
}

class TraceLine {
    constructor(seq, qpc, stream, kindRaw, args) {
        const kind = kindName(kindRaw);
        this.seq = u64ToDecimal(seq);
        this.qpc = u64ToDecimal(qpc);
        this.stream = stream;
        this.kind = kind === null ? "Kind" + kindRaw : kind;
        this.args = args.map(u64ToDecimal);
        const head = "#" + this.seq + " qpc=" + this.qpc + " s" + stream + " ";
        this.text = kind === null
            ? head + "Kind" + kindRaw + " args=" + args.map(u64ToHex).join(",")
            : head + kind + details(kind, args);
    }
    toString() {
        return this.text;
    }
}

// Reads the ring; returns {lines (oldest first), head, dropped, incomplete}.
function readTrace(root) {
    const L = root.layout;
    const total = (root.ringHeaderSize + root.ringCapacity * root.recordSize) / 4;
    const w = readU32s(root.traceRing, total);
    const capacity = word(w, L.ring.capacity);
    if (capacity !== root.ringCapacity || word(w, L.ring.recordSize) !== L.recordSize) {
        throw new Error("cadenza: trace ring header disagrees with the root (capacity " +
            capacity + " vs " + root.ringCapacity + "); memory not readable or corrupt.");
    }
    const head = quad(w, L.ring.head);
    const dropped = quad(w, L.ring.dropped);
    const start = u64Sub(head, u64(capacity, 0));
    const count = u64Sub(head, start).lo;
    const lines = [];
    let incomplete = 0;
    let seq = start;
    for (let i = 0; i < count; i++, seq = u64AddSmall(seq, 1)) {
        const slot = seq.lo % capacity; // capacity is a power of two ≤ 2^32
        const base = root.ringHeaderSize + slot * root.recordSize;
        const R = L.record;
        const stamp = quad(w, base + R.stamp);
        const recSeq = quad(w, base + R.seq);
        const expected = u64AddSmall(seq, 1);
        // Complete only if published for exactly this sequence number, and the record agrees.
        if (u64Cmp(stamp, expected) !== 0 || u64Cmp(recSeq, seq) !== 0) {
            incomplete++;
            continue;
        }
        const kindRaw = word(w, base + R.kindAndFlags) & 0xffff;
        const args = [0, 1, 2, 3].map(function (k) { return quad(w, base + R.args + 8 * k); });
        lines.push(new TraceLine(seq, quad(w, base + R.qpc), word(w, base + R.stream), kindRaw,
            args));
    }
    return { lines: lines, head: head, dropped: dropped, incomplete: incomplete };
}

// Filter arguments: a stream id (number or numeric string), kind names (string, comma or
// space separated), or "stream=N kind=A,B" / "sN".
function parseFilter(a, b) {
    const filter = { stream: null, kinds: null };
    const addKinds = function (text) {
        for (const k of String(text).split(/[\s,|]+/)) {
            if (k === "") {
                continue;
            }
            const known = KIND_NAMES.filter(function (n) {
                return n !== null && n.toLowerCase() === k.toLowerCase();
            });
            if (known.length === 0) {
                throw new Error("cadenza: unknown trace kind '" + k + "'. Kinds: " +
                    KIND_NAMES.filter(function (n) { return n !== null; }).join(", "));
            }
            filter.kinds = filter.kinds || [];
            filter.kinds.push(known[0]);
        }
    };
    const take = function (arg) {
        if (arg === undefined || arg === null) {
            return;
        }
        if (typeof arg === "number" || (typeof arg === "object" && typeof arg.asNumber === "function")) {
            filter.stream = typeof arg === "number" ? arg : arg.asNumber();
            return;
        }
        for (const token of String(arg).split(/\s+/)) {
            let m;
            if (token === "") {
                continue;
            } else if ((m = /^(?:stream=|s)?(\d+)$/i.exec(token)) !== null) {
                filter.stream = Number(m[1]);
            } else if ((m = /^kind=(.*)$/i.exec(token)) !== null) {
                addKinds(m[1]);
            } else {
                addKinds(token);
            }
        }
    };
    take(a);
    take(b);
    return filter;
}

// ---- streams ----

class StreamRow {
    constructor(fields) {
        for (const k of Object.keys(fields)) {
            this[k] = fields[k];
        }
    }
    toString() {
        return "s" + this.stream + " cable " + this.cable + " " + this.framework + " " +
            this.direction + " " + this.state + " " + this.rate + " Hz " + this.channels + " ch " +
            this.sample_type + " | pos " + this.linear_frames + " frames, " +
            this.completed_packets + " packets | notified " + this.notifications + ", missed " +
            this.missed_notifications + ", underrun " + this.underrun_frames + " frames, glitches " +
            this.glitches;
    }
}

function readStreams(root) {
    const L = root.layout;
    const S = L.slot;
    const total = (root.tableHeaderSize + root.slotCount * root.slotSize) / 4;
    const w = readU32s(root.streamTable, total);
    if (word(w, L.table.capacity) !== root.slotCount || word(w, L.table.slotSize) !== L.slotSize) {
        throw new Error("cadenza: stream table header disagrees with the root; memory not " +
            "readable or corrupt.");
    }
    const rows = [];
    let updating = 0;
    for (let i = 0; i < root.slotCount; i++) {
        const base = root.tableHeaderSize + i * root.slotSize;
        const seq = quad(w, base + S.seq);
        const key = quad(w, base + S.key);
        if (key.lo === 0 && key.hi === 0) {
            continue;
        }
        if ((seq.lo & 1) !== 0) {
            updating++; // a writer was inside when the target stopped
            continue;
        }
        const raw = {};
        S.words.forEach(function (name, k) { raw[name] = word(w, base + S.wordsOffset + 4 * k); });
        const fields = {
            slot: i,
            stream: raw.stream,
            cable: raw.cable,
            framework: nameOf(FRAMEWORKS, u64(raw.framework, 0)),
            direction: nameOf(DIRECTIONS, u64(raw.direction, 0)),
            state: nameOf(KS_STATES, u64(raw.state, 0)),
            rate: raw.rate,
            channels: raw.channels,
            sample_type: nameOf(SAMPLE_TYPES, u64(raw.sample_type, 0)),
            block_align: raw.block_align,
            buffer_bytes: raw.buffer_bytes,
            packet_frames: raw.packet_frames,
            packets: raw.packets,
            flags: raw.flags,
        };
        S.quads.forEach(function (name, k) {
            fields[name] = u64ToDecimal(quad(w, base + S.quadsOffset + 8 * k));
        });
        rows.push(new StreamRow(fields));
    }
    return { rows: rows, updating: updating };
}

// ---- the @$cadenza object ----

class Cadenza {
    constructor(moduleName) {
        this.module = moduleName === undefined || moduleName === null ? null : String(moduleName);
    }

    // Root: layout version, framework, sizes, and the ring's counters.
    info() {
        const root = readRoot(this.module);
        const t = readTrace(root);
        return {
            module: root.module,
            version: root.version,
            framework: nameOf(FRAMEWORKS, u64(root.framework, 0)),
            ring_capacity: root.ringCapacity,
            stream_slots: root.slotCount,
            qpc_frequency: u64ToDecimal(root.qpcFrequency),
            written: u64ToDecimal(t.head),
            dropped: u64ToDecimal(t.dropped),
            incomplete: t.incomplete,
            toString: function () {
                return "cadenza " + this.module + " layout v" + this.version + " (" +
                    this.framework + "): " + this.written + " trace records written, " +
                    this.dropped + " dropped";
            },
        };
    }

    // Live streams, one row each (slot order).
    streams() {
        return readStreams(readRoot(this.module)).rows;
    }

    // Decoded trace records, oldest first (newest last), optionally filtered.
    trace(a, b) {
        const filter = parseFilter(a, b);
        return readTrace(readRoot(this.module)).lines.filter(function (line) {
            return (filter.stream === null || line.stream === filter.stream) &&
                (filter.kinds === null || filter.kinds.indexOf(line.kind) >= 0);
        });
    }

    toString() {
        return "Cadenza debug view (" + (this.module || MODULES.join(" / ")) + "): " +
            ".info(), .streams(), .trace([stream], [kinds])";
    }
}

function cadenza(moduleName) {
    return new Cadenza(moduleName);
}

function cdzstreams(moduleName) {
    return new Cadenza(moduleName).streams();
}

function cdztrace(a, b) {
    return new Cadenza().trace(a, b);
}

function initializeScript() {
    return [
        new host.apiVersionSupport(1, 7),
        new host.functionAlias(cadenza, "cadenza"),
        new host.functionAlias(cdzstreams, "cdzstreams"),
        new host.functionAlias(cdztrace, "cdztrace"),
    ];
}

// For the node tests (tools/windbg/test); `module` does not exist inside the debugger.
if (typeof module !== "undefined" && module.exports) {
    module.exports = {
        initializeScript: initializeScript,
        cadenza: cadenza,
        cdzstreams: cdzstreams,
        cdztrace: cdztrace,
        internal: { u64: u64, u64ToDecimal: u64ToDecimal, u64ToHex: u64ToHex, parseFilter: parseFilter, LAYOUTS: LAYOUTS },
    };
}
