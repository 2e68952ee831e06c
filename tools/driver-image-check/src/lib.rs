//! Checks a linked Windows kernel driver image (`cadenza_pc.dll`, `cadenza_acx.dll`: PE32+,
//! x64 or ARM64, linked by rust-lld with `/DRIVER /SUBSYSTEM:NATIVE`) and its PDB.
//!
//! The policy is pure functions over plain data, unit-tested without a PE file:
//! - [`table`]: the kernel exports table (`tools/wdk-check/kernel-exports.txt`): which
//!   kernel-module functions exist, since which Windows build, and where they are documented;
//! - [`policy`]: [`policy::ImageFacts`] (machine, subsystem, exports, imports) against the
//!   table and the intended exports, giving [`policy::Violation`]s and the printed import table;
//! - [`pdb`]: the text of `llvm-pdbutil dump` (the debug root symbol, its type, the named
//!   streams) and whether an embedded natvis stream holds the natvis source file.
//!
//! [`pe`] reads the facts out of an image; `main.rs` runs `llvm-pdbutil`. Both are thin.

pub mod pdb;
pub mod pe;
pub mod policy;
pub mod table;
