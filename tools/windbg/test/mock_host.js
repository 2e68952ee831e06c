"use strict";

// A mock of the parts of WinDbg's `host` object that cadenza.js uses, serving memory from
// regions (address → bytes) and symbols from a name → address map. Strict on purpose: an
// Int64 refuses implicit arithmetic (`+`), reads outside the regions fail, and only
// unsigned 1/2/4-byte element reads are served, as the script promises.

const fs = require("node:fs");
const path = require("node:path");

const MASK64 = (1n << 64n) - 1n;

class Int64 {
    constructor(value) {
        this.value = BigInt.asUintN(64, value);
    }
    add(n) {
        const v = typeof n === "number" ? BigInt(n) : n.value;
        return new Int64((this.value + v) & MASK64);
    }
    getLowPart() {
        return Number(this.value & 0xffffffffn);
    }
    getHighPart() {
        return Number(this.value >> 32n);
    }
    asNumber() {
        return Number(this.value);
    }
    compareTo(other) {
        return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
    }
    toString(radix) {
        return (radix === 16 ? "0x" : "") + this.value.toString(radix || 10);
    }
    valueOf() {
        throw new Error("mock host: implicit arithmetic on an Int64 (use .add())");
    }
}

// host.Int64(value[, high]): low 32 bits and high 32 bits when two arguments are given.
function makeInt64(value, high) {
    if (high !== undefined) {
        return new Int64((BigInt(high >>> 0) << 32n) | BigInt(value >>> 0));
    }
    if (value instanceof Int64) {
        return value;
    }
    return new Int64(BigInt(value));
}

function toBig(location) {
    if (location instanceof Int64) {
        return location.value;
    }
    if (typeof location === "number") {
        return BigInt(location);
    }
    throw new Error("mock host: bad location " + location);
}

class FunctionAlias {
    constructor(fn, name) {
        this.fn = fn;
        this.name = name;
    }
}

class ApiVersionSupport {
    constructor(major, minor) {
        this.major = major;
        this.minor = minor;
    }
}

// regions: [{address: BigInt, bytes: Buffer}], symbols: {"module!symbol": "0x..."}
function makeHost(regions, symbols) {
    const reads = [];
    return {
        reads: reads,
        Int64: makeInt64,
        functionAlias: FunctionAlias,
        apiVersionSupport: ApiVersionSupport,
        diagnostics: { debugLog: function () {} },
        getModuleSymbolAddress: function (moduleName, symbolName) {
            const key = moduleName + "!" + symbolName;
            if (!(key in symbols)) {
                throw new Error("Unable to find symbol " + key);
            }
            return new Int64(BigInt(symbols[key]));
        },
        memory: {
            readMemoryValues: function (location, count, size, isSigned) {
                const addr = toBig(location);
                if (![1, 2, 4].includes(size) || isSigned) {
                    throw new Error("mock host: only unsigned 1/2/4-byte reads are served");
                }
                const len = BigInt(count * size);
                reads.push({ address: addr, bytes: count * size });
                for (const r of regions) {
                    if (addr >= r.address && addr + len <= r.address + BigInt(r.bytes.length)) {
                        const off = Number(addr - r.address);
                        const out = [];
                        for (let i = 0; i < count; i++) {
                            const at = off + i * size;
                            out.push(size === 1 ? r.bytes.readUInt8(at)
                                : size === 2 ? r.bytes.readUInt16LE(at)
                                    : r.bytes.readUInt32LE(at));
                        }
                        return out;
                    }
                }
                throw new Error("Unable to read memory at Address 0x" + addr.toString(16));
            },
        },
    };
}

// memory.bin: repeated {u64 address, u64 length, bytes}, little-endian.
function loadRegions(file) {
    const buf = fs.readFileSync(file);
    const regions = [];
    let at = 0;
    while (at < buf.length) {
        const address = buf.readBigUInt64LE(at);
        const length = Number(buf.readBigUInt64LE(at + 8));
        regions.push({ address: address, bytes: buf.subarray(at + 16, at + 16 + length) });
        at += 16 + length;
    }
    return regions;
}

function loadFixture(dir) {
    return {
        regions: loadRegions(path.join(dir, "memory.bin")),
        symbols: JSON.parse(fs.readFileSync(path.join(dir, "symbols.json"), "utf8")),
        expected: JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")),
    };
}

module.exports = { makeHost, loadFixture, Int64, FunctionAlias, ApiVersionSupport };
