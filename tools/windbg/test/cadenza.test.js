"use strict";

// Tests of tools/windbg/cadenza.js against a mock of WinDbg's `host`.
//
// - Synthetic images built here: version and magic checks, symbol lookup, aliases, 64-bit
//   formatting.
// - A real engine image (CADENZA_WINDBG_FIXTURE=<dir> with memory.bin, symbols.json and
//   expected.json), written by `cargo test -p cadenza-windbg-image` from a simulated run:
//   the extension's streams() and trace() must match what the Rust side knows.

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const { makeHost, loadFixture, FunctionAlias, ApiVersionSupport } = require("./mock_host.js");
const ext = require(path.join(__dirname, "..", "cadenza.js"));

const ROOT_AT = 0xfffff80012340000n;
const RING_AT = 0xfffff80012350000n;
const TABLE_AT = 0xfffff80012360000n;

// A version-1 root with an empty 4-record ring and a 1-slot table.
function syntheticImage(opts) {
    const o = Object.assign({ magic: "CADENZA\0", version: 1, records: [] }, opts || {});
    const root = Buffer.alloc(80);
    root.write(o.magic, 0, "latin1");
    root.writeUInt32LE(o.version, 8);
    root.writeUInt32LE(80, 12);
    root.writeUInt32LE(1, 16);
    root.writeUInt32LE(64, 20);
    root.writeUInt32LE(4, 24);
    root.writeUInt32LE(64, 28);
    root.writeUInt32LE(256, 32);
    root.writeUInt32LE(1, 36);
    root.writeUInt32LE(64, 40);
    root.writeBigUInt64LE(RING_AT, 48);
    root.writeBigUInt64LE(TABLE_AT, 56);
    root.writeBigUInt64LE(10000000n, 64);
    const ring = Buffer.alloc(64 + 4 * 64);
    ring.writeBigUInt64LE(BigInt(o.records.length), 0);
    ring.writeUInt32LE(4, 16);
    ring.writeUInt32LE(64, 20);
    o.records.forEach(function (r, seq) {
        const base = 64 + (seq % 4) * 64;
        ring.writeBigUInt64LE(r.stamp === undefined ? BigInt(seq + 1) : r.stamp, base);
        ring.writeBigUInt64LE(r.qpc, base + 8);
        ring.writeUInt32LE(r.stream, base + 16);
        ring.writeUInt16LE(r.kind, base + 20);
        r.args.forEach(function (a, i) { ring.writeBigUInt64LE(a, base + 24 + 8 * i); });
        ring.writeBigUInt64LE(BigInt(seq), base + 56);
    });
    const table = Buffer.alloc(64 + 256);
    table.writeUInt32LE(1, 0);
    table.writeUInt32LE(256, 4);
    return [
        { address: ROOT_AT, bytes: root },
        { address: RING_AT, bytes: ring },
        { address: TABLE_AT, bytes: table },
    ];
}

function withHost(regions, symbols) {
    global.host = makeHost(regions, symbols);
    return global.host;
}

const ACX = { "cadenza_acx!CADENZA_DEBUG_ROOT": "0x" + ROOT_AT.toString(16) };

test("initializeScript registers @$cadenza and the ! aliases", function () {
    withHost([], {});
    const registered = ext.initializeScript();
    assert.ok(registered[0] instanceof ApiVersionSupport);
    const aliases = registered.filter(function (r) { return r instanceof FunctionAlias; });
    assert.deepEqual(aliases.map(function (a) { return a.name; }),
        ["cadenza", "cdzstreams", "cdztrace"]);
    aliases.forEach(function (a) { assert.equal(typeof a.fn, "function"); });
});

test("a missing root names both modules and the fix", function () {
    withHost(syntheticImage(), {});
    assert.throws(function () { ext.cadenza().streams(); },
        /CADENZA_DEBUG_ROOT not found in cadenza_acx or cadenza_pc.*\.reload/);
});

test("an unknown layout version is refused with a clear message", function () {
    withHost(syntheticImage({ version: 2 }), ACX);
    assert.throws(function () { ext.cadenza().trace(); },
        /layout version 2 is not supported by this cadenza\.js \(it knows version 1\)/);
});

test("a root without the magic is refused", function () {
    withHost(syntheticImage({ magic: "CADENZB\0" }), ACX);
    assert.throws(function () { ext.cadenza().info(); }, /does not start with the CADENZA magic/);
});

test("sizes that contradict the version are refused", function () {
    const regions = syntheticImage();
    regions[0].bytes.writeUInt32LE(72, 20); // record size
    withHost(regions, ACX);
    assert.throws(function () { ext.cadenza().trace(); }, /do not match that layout/);
});

test("torn, busy and unknown records; 64-bit values exact", function () {
    const big = 0xfffff80012345678n;
    withHost(syntheticImage({
        records: [
            { qpc: 1n, stream: 1, kind: 14, args: [0n, 48000n, 2n, 5n] },
            { qpc: 2n, stream: 1, kind: 12, args: [big, 0n, 0n, 0n] },
            { qpc: 3n, stream: 1, kind: 1, args: [2n, 3n, 0n, 0n], stamp: 0xffffffffffffffffn },
            { qpc: 18446744073709551615n, stream: 2, kind: 99, args: [1n, 2n, 3n, 4n] },
        ],
    }), ACX);
    const lines = ext.cadenza().trace().map(String);
    assert.deepEqual(lines, [
        "#0 qpc=1 s1 StreamCreated render rate=48000 channels=2 type=float32",
        "#1 qpc=2 s1 EventRegistered event=0xfffff80012345678",
        "#3 qpc=18446744073709551615 s2 Kind99 args=0x1,0x2,0x3,0x4",
    ]);
    const info = ext.cadenza().info();
    assert.equal(info.incomplete, 1);
    assert.equal(info.written, "4");
    assert.equal(info.qpc_frequency, "10000000");
    assert.equal(ext.internal.u64ToDecimal(ext.internal.u64(0xffffffff, 0xffffffff)),
        "18446744073709551615");
    assert.equal(ext.internal.u64ToDecimal(ext.internal.u64(0, 0x200000)), "9007199254740992");
    assert.throws(function () { ext.cadenza().trace("NoSuchKind"); }, /unknown trace kind/);
});

const fixtureDir = process.env.CADENZA_WINDBG_FIXTURE;

test("real engine image", { skip: fixtureDir ? false : "CADENZA_WINDBG_FIXTURE not set (run cargo test -p cadenza-windbg-image)" }, async function (t) {
    const fx = loadFixture(fixtureDir);
    const ex = fx.expected;

    await t.test("finds the root in " + ex.module + " (after trying cadenza_acx)", function () {
        withHost(fx.regions, fx.symbols);
        const info = ext.cadenza().info();
        assert.equal(info.module, ex.module);
        assert.equal(info.version, ex.version);
        assert.equal(info.framework, ex.framework);
        assert.equal(info.written, ex.head);
        assert.equal(info.dropped, ex.dropped);
        assert.equal(info.qpc_frequency, ex.qpc_frequency);
    });

    await t.test("streams() matches the engine's stream table", function () {
        withHost(fx.regions, fx.symbols);
        const rows = ext.cadenza().streams();
        assert.equal(rows.length, ex.streams.length);
        rows.forEach(function (row, i) {
            for (const [k, v] of Object.entries(ex.streams[i])) {
                assert.equal(row[k], v, "stream " + i + " field " + k);
            }
        });
        // The scenario's glitches are visible: an underrun on render, missed notifications.
        const render = rows.find(function (r) { return r.direction === "render"; });
        assert.equal(render.state, "RUN");
        assert.notEqual(render.underrun_frames, "0");
        assert.ok(rows.some(function (r) { return r.missed_notifications !== "0"; }));
        assert.deepEqual(ext.cdzstreams().map(String), rows.map(String));
    });

    await t.test("trace() matches the Rust decoder line for line", function () {
        withHost(fx.regions, fx.symbols);
        const lines = ext.cadenza().trace().map(String);
        assert.equal(lines.length, ex.trace.length);
        assert.deepEqual(lines, ex.trace);
    });

    await t.test("trace filters by stream and by kind", function () {
        withHost(fx.regions, fx.symbols);
        const c = ext.cadenza();
        assert.deepEqual(c.trace(ex.render_stream).map(String), ex.trace_render);
        assert.deepEqual(c.trace("stream=" + ex.render_stream).map(String), ex.trace_render);
        assert.deepEqual(c.trace("Underrun").map(String), ex.trace_underrun);
        assert.ok(ex.trace_underrun.length > 0);
        assert.deepEqual(c.trace(ex.render_stream, "PacketWritten").map(String),
            ex.trace_render_packets);
        assert.deepEqual(ext.cdztrace("s" + ex.render_stream + " kind=PacketWritten").map(String),
            ex.trace_render_packets);
    });

    await t.test("explicit module argument; the other module is refused", function () {
        withHost(fx.regions, fx.symbols);
        assert.equal(ext.cadenza(ex.module).streams().length, ex.streams.length);
        const other = ex.module === "cadenza_pc" ? "cadenza_acx" : "cadenza_pc";
        assert.throws(function () { ext.cadenza(other).streams(); }, /not found in/);
    });
});
