//! Every operation of [`X86`] (SSE2, and SSSE3 where this machine has it) or, on aarch64,
//! of `Neon`, against its contract ([`Portable`]), on special values and pseudo-random
//! bits.
use super::*;
use proptest::prelude::*;
use std::vec::Vec;

/// Finite and non-finite values around every boundary the operations have.
fn special_f32() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7F80_0001), // signalling NaN
        f32::from_bits(0xFFC1_2345),
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1), // smallest denormal
        f32::from_bits(0x8000_0001),
        f32::from_bits(0x007F_FFFF), // largest denormal
        0.5,
        -0.5,
        1.5,
        2.5,
        -1.5,
        -2.5,
        f32::from_bits(0x3EFF_FFFF), // just below 0.5
        32_766.5,
        32_767.0,
        32_767.5,
        32_768.0,
        -32_768.0,
        -32_768.5,
        -32_769.0,
        8_388_606.5,
        8_388_607.0,
        8_388_607.5,
        8_388_608.0,
        -8_388_608.0,
        -8_388_609.0,
        16_777_216.0,
        2_147_483_520.0, // largest f32 below 2^31
        2_147_483_648.0,
        -2_147_483_648.0,
        -2_147_483_904.0,
        4e9,
        -4e9,
    ];
    let negated: Vec<f32> = v.iter().map(|x| -x).collect();
    v.extend(negated);
    v
}

fn special_i32() -> Vec<i32> {
    let mut v = vec![
        0,
        1,
        -1,
        i32::MAX,
        i32::MIN,
        i32::MAX - 1,
        i32::MIN + 1,
        0x7F,
        0x80,
        0x81,
        -0x80,
        -0x81,
        0x7FFF,
        0x8000,
        -0x8000,
        -0x8001,
        0x7FFF_7FFF,
        0x7FFF_8000,
        0x7FFF_FF7F,
        0x7FFF_FF80,
        0x7FFF_FF00,
        0x00FF_FFFF,
        0x0080_0000,
        -0x0080_0000,
        0x1234_5678,
        -0x1234_5678,
    ];
    let shifted: Vec<i32> = v.iter().map(|x| x.wrapping_shl(8)).collect();
    v.extend(shifted);
    v
}

fn quads<T: Copy + Default>(values: &[T]) -> Vec<[T; 4]> {
    // Every value in every lane position.
    (0..values.len())
        .map(|i| core::array::from_fn(|k| values[(i + k) % values.len()]))
        .collect()
}

fn bytes_f(v: [f32; 4]) -> [u8; 16] {
    let mut b = [0; 16];
    Portable.store_f(v, &mut b);
    b
}

fn bytes_i(v: [i32; 4]) -> [u8; 16] {
    let mut b = [0; 16];
    Portable.store_i(v, &mut b);
    b
}

/// The SIMD result of `op` as bytes.
fn xi<L: Lanes>(l: L, v: L::I) -> [u8; 16] {
    let mut b = [0; 16];
    l.store_i(v, &mut b);
    b
}

fn xf<L: Lanes>(l: L, v: L::F) -> [u8; 16] {
    let mut b = [0; 16];
    l.store_f(v, &mut b);
    b
}

fn check_f32_ops<L: Lanes>(l: L, v: [f32; 4], w: [f32; 4]) {
    let p = Portable;
    let b = bytes_f(v);
    let x = l.load_f(&b);
    assert_eq!(xf(l, x), b, "load/store {v:?}");
    // Gain factors are never NaN; with two NaN operands the result's payload is not
    // specified (Rust may commute the operands).
    let w = w.map(|w| if w.is_nan() { 0.5 } else { w });
    assert_eq!(
        xf(l, l.mul(x, l.f32s(w))),
        bytes_f(p.mul(v, w)),
        "mul {v:?} {w:?}"
    );
    assert_eq!(
        xi(l, l.round_sat(x)),
        bytes_i(p.round_sat(v)),
        "round_sat {v:?}"
    );
    for (lo, hi) in [
        (-32_768.0, 32_767.0),
        (-8_388_608.0, 8_388_607.0),
        (-1.0, 1.0),
    ] {
        assert_eq!(
            xi(l, l.round_clamp(x, lo, hi)),
            bytes_i(p.round_clamp(v, lo, hi)),
            "round_clamp {v:?} {lo} {hi}"
        );
        assert_eq!(
            xi(l, l.round_min(x, hi)),
            bytes_i(p.round_min(v, hi)),
            "round_min {v:?} {hi}"
        );
    }
}

fn check_i32_ops<L: Lanes>(l: L, v: [i32; 4], g: [f64; 4]) {
    let p = Portable;
    let b = bytes_i(v);
    let x = l.load_i(&b);
    assert_eq!(xi(l, x), b);
    assert_eq!(xf(l, l.to_f32(x)), bytes_f(p.to_f32(v)), "to_f32 {v:?}");
    assert_eq!(xi(l, l.and(x, !0xFF)), bytes_i(p.and(v, !0xFF)));
    assert_eq!(xi(l, l.shl8(x)), bytes_i(p.shl8(v)));
    assert_eq!(
        xi(l, l.round_shr16(x)),
        bytes_i(p.round_shr16(v)),
        "shr16 {v:?}"
    );
    assert_eq!(
        xi(l, l.round_shr8_sat(x)),
        bytes_i(p.round_shr8_sat(v)),
        "shr8 {v:?}"
    );
    assert_eq!(
        xi(l, l.round_low8_sat(x)),
        bytes_i(p.round_low8_sat(v)),
        "low8 {v:?}"
    );
    assert_eq!(
        xi(l, l.scale(x, l.f64s(g))),
        bytes_i(p.scale(v, g)),
        "scale {v:?} {g:?}"
    );
    let mut want = [0; 16];
    p.narrow16([v, p.round_shr16(v)], &mut want);
    let mut got = [0; 16];
    l.narrow16([x, l.round_shr16(x)], &mut got);
    assert_eq!(got, want, "narrow16 {v:?}");
    let [a, b] = l.widen16(&b);
    let [pa, pb] = p.widen16(&bytes_i(v));
    assert_eq!((xi(l, a), xi(l, b)), (bytes_i(pa), bytes_i(pb)), "widen16");
}

fn check_24<L: Lanes>(l: L, bytes: [u8; 48], lanes: [[i32; 4]; 4]) {
    let p = Portable;
    let mut b = [[0u8; 16]; 3];
    b.as_flattened_mut().copy_from_slice(&bytes);
    let got = l.unpack24(&b).map(|v| xi(l, v));
    let want = p.unpack24(&b).map(bytes_i);
    assert_eq!(got, want, "unpack24");
    let mut got = [[0xEE; 16]; 3];
    l.pack24(lanes.map(|v| l.load_i(&bytes_i(v))), &mut got);
    let mut want = [[0x11; 16]; 3];
    p.pack24(lanes, &mut want);
    assert_eq!(got, want, "pack24 {lanes:?}");
}

/// Q2.30 factors as the gain makes them (-6 dB is 538_145_719 / 2^30, -96 dB is
/// 16_909 / 2^30), within the contract's 0..=1.
const GAINS: [f64; 6] = [
    1.0,
    0.5,
    538_145_719.0 / 1_073_741_824.0,
    0.0,
    1.0 / 3.0,
    16_909.0 / 1_073_741_824.0,
];

fn check_all<L: Lanes>(l: L) {
    let f = quads(&special_f32());
    for (v, w) in f.iter().zip(f.iter().rev()) {
        check_f32_ops(l, *v, *w);
        check_f32_ops(l, *v, [1.0, 0.5, 1e-5, 32_768.0]);
    }
    let i = quads(&special_i32());
    for v in &i {
        for g in quads(&GAINS) {
            check_i32_ops(l, *v, g);
        }
    }
    for (k, v) in i.chunks_exact(4).enumerate() {
        let mut bytes = [0u8; 48];
        for (n, b) in bytes.iter_mut().enumerate() {
            *b = (n * 37 + k * 11) as u8;
        }
        check_24(l, bytes, [v[0], v[1], v[2], v[3]]);
    }
}

#[cfg(target_arch = "aarch64")]
#[test]
fn neon_meets_every_contract_on_special_values() {
    check_all(Neon);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn sse2_meets_every_contract_on_special_values() {
    check_all(X86::<false>::BASELINE);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn ssse3_meets_every_contract_on_special_values() {
    // Where the processor lacks SSSE3 there is nothing to test (and nothing runs it).
    if let Some(l) = X86::<true>::detect() {
        check_all(l);
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn cpuid_answer_is_cached() {
    let first = X86::<true>::detect().is_some();
    let cached = x86::cached_features();
    assert_ne!(cached & 1, 0, "cached as known after the first call");
    assert_eq!(X86::<true>::detect().is_some(), first);
    assert_eq!(x86::cached_features(), cached);
}

proptest! {
    #[test]
    fn ops_match_the_contract_on_random_bits(
        f in prop::array::uniform4(any::<u32>()),
        g in prop::array::uniform4(any::<u32>()),
        i in prop::array::uniform4(any::<i32>()),
        q in prop::array::uniform4(0u32..=(1 << 30)),
        bytes in prop::array::uniform32(any::<u8>()),
        more in prop::array::uniform16(any::<u8>()),
    ) {
        let f = f.map(f32::from_bits);
        let g = g.map(f32::from_bits);
        let q = q.map(|q| f64::from(q) / f64::from(1u32 << 30));
        let mut b48 = [0u8; 48];
        b48[..32].copy_from_slice(&bytes);
        b48[32..].copy_from_slice(&more);
        let lanes = [i, [i[1], i[2], i[3], i[0]], f.map(f32::to_bits).map(u32::cast_signed), g.map(f32::to_bits).map(u32::cast_signed)];
        #[cfg(target_arch = "x86_64")]
        {
            check_f32_ops(X86::<false>::BASELINE, f, g);
            check_i32_ops(X86::<false>::BASELINE, i, q);
            check_24(X86::<false>::BASELINE, b48, lanes);
            if let Some(l) = X86::<true>::detect() {
                check_f32_ops(l, f, g);
                check_i32_ops(l, i, q);
                check_24(l, b48, lanes);
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            check_f32_ops(Neon, f, g);
            check_i32_ops(Neon, i, q);
            check_24(Neon, b48, lanes);
        }
    }
}

/// The one-time CPUID check finds SSSE3 exactly when the processor has it, as the standard
/// library's own detection reports (an independent reading of the same CPUID bit): a wrong
/// answer would either give up the faster 24-bit kernels or run SSSE3 where it faults.
#[cfg(target_arch = "x86_64")]
#[test]
fn the_ssse3_check_agrees_with_the_standard_librarys_detection() {
    assert_eq!(
        x86::X86::<true>::detect().is_some(),
        std::is_x86_feature_detected!("ssse3")
    );
}
