//! The parser and the rules never panic, whatever the text.

use cadenza_infcheck::{Inf, check};
use proptest::prelude::*;

/// Text made of the characters INF syntax cares about, so the interesting states (quotes,
/// continuations, headers, substitutions) are reached often.
fn inf_like() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "[",
        "]",
        "\"",
        "\"\"",
        ";",
        ",",
        "=",
        "%",
        "%%",
        "\\",
        "\\\n",
        "\n",
        "\r\n",
        " ",
        "\t",
        "[Strings]\n",
        "[Version]\n",
        "[Manufacturer]\n",
        "x",
        "ROOT\\CadenzaAcx",
        "AddReg",
        "AddInterface",
        "CopyFiles",
        "Needs",
        "Include",
        "0x",
        "13",
        "%13%",
        "{",
        "}",
        "-",
        "é",
        "\u{feff}",
        "\0",
    ]);
    prop::collection::vec(atoms, 0..200).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        let inf = Inf::parse(&text);
        let _ = check(&inf);
        for d in inf.diagnostics() {
            prop_assert!(d.line >= 1);
        }
    }

    #[test]
    fn parser_never_panics_on_inf_like_text(text in inf_like()) {
        let inf = Inf::parse(&text);
        let problems = check(&inf);
        // Every diagnostic names a line that exists.
        let lines = text.split('\n').count();
        for d in inf.diagnostics() {
            prop_assert!(d.line >= 1 && d.line <= lines, "{d} of {lines}");
        }
        for p in problems {
            prop_assert!(p.line.is_none_or(|l| l >= 1 && l <= lines), "{p}");
        }
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = cadenza_infcheck::decode(&bytes);
    }
}
