//! Reads [`ImageFacts`] out of a PE32+ image with the `object` crate.

use anyhow::{Context, bail};
use object::LittleEndian as LE;
use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, ImageThunkData, PeFile64};

use crate::policy::{ImageFacts, Import, ImportName};

/// The machine, subsystem, exports and imports of a PE32+ image.
pub fn read_facts(data: &[u8]) -> anyhow::Result<ImageFacts> {
    match object::FileKind::parse(data).context("not an object file")? {
        object::FileKind::Pe64 => {}
        object::FileKind::Pe32 => bail!("a PE32 image: a 64-bit kernel driver is PE32+"),
        other => bail!("not a PE image ({other:?})"),
    }
    let file = PeFile64::parse(data).context("cannot parse the PE32+ image")?;
    let nt = file.nt_headers();
    let machine = nt.file_header().machine.get(LE);
    let subsystem = nt.optional_header().subsystem();

    let mut exports = Vec::new();
    if let Some(table) = file.export_table().context("bad export directory")? {
        for export in table.exports().context("bad export directory")? {
            exports.push(match export.name {
                Some(name) => String::from_utf8_lossy(name).into_owned(),
                None => format!("#{}", export.ordinal),
            });
        }
    }

    let mut imports = Vec::new();
    if let Some(table) = file.import_table().context("bad import directory")? {
        let mut descriptors = table.descriptors().context("bad import directory")?;
        while let Some(descriptor) = descriptors.next().context("bad import descriptor")? {
            let module = String::from_utf8_lossy(table.name(descriptor.name.get(LE))?).into_owned();
            let mut first_thunk = descriptor.original_first_thunk.get(LE);
            if first_thunk == 0 {
                first_thunk = descriptor.first_thunk.get(LE);
            }
            let mut thunks = table.thunks(first_thunk).context("bad import thunks")?;
            while let Some(thunk) = thunks
                .next::<pe::ImageNtHeaders64>()
                .context("bad import thunk")?
            {
                let name = if thunk.is_ordinal() {
                    ImportName::Ordinal(thunk.ordinal())
                } else {
                    let (_hint, name) = table
                        .hint_name(thunk.address())
                        .context("bad import name")?;
                    ImportName::Name(String::from_utf8_lossy(name).into_owned())
                };
                imports.push(Import {
                    module: module.clone(),
                    name,
                });
            }
        }
    }

    let mut delay_load_modules = Vec::new();
    let sections = file.section_table();
    if let Some(table) = file
        .data_directories()
        .delay_load_import_table(data, &sections)
        .context("bad delay-load import directory")?
    {
        let mut descriptors = table
            .descriptors()
            .context("bad delay-load import directory")?;
        while let Some(descriptor) = descriptors.next().context("bad delay-load descriptor")? {
            let name = table.name(descriptor.dll_name_rva.get(LE))?;
            delay_load_modules.push(String::from_utf8_lossy(name).into_owned());
        }
    }

    Ok(ImageFacts {
        machine,
        subsystem,
        exports,
        imports,
        delay_load_modules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The section's RVA, file offset and size in [`image`].
    const SECTION_RVA: u32 = 0x1000;
    const SECTION_FILE: u32 = 0x200;
    const SECTION_SIZE: u32 = 0x200;

    fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
        buf[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn put16(buf: &mut [u8], at: usize, v: u16) {
        put(buf, at, &v.to_le_bytes());
    }

    fn put32(buf: &mut [u8], at: usize, v: u32) {
        put(buf, at, &v.to_le_bytes());
    }

    /// A minimal x64 native PE32+ image with one `.rdata` section holding an export directory
    /// for `names` at `dir_offset` bytes into the section, no imports. rust-lld places the
    /// export directory right after other read-only data, so it need not be 4-byte aligned
    /// (`cadenza_pc.dll` had it at RVA 0x80D07).
    fn image(dir_offset: u32, names: &[&str]) -> Vec<u8> {
        let mut buf = vec![0u8; (SECTION_FILE + SECTION_SIZE) as usize];
        // DOS header: `MZ`, e_lfanew = 0x40.
        put(&mut buf, 0, b"MZ");
        put32(&mut buf, 0x3C, 0x40);
        put(&mut buf, 0x40, b"PE\0\0");
        // File header.
        let fh = 0x44;
        put16(&mut buf, fh, pe::IMAGE_FILE_MACHINE_AMD64);
        put16(&mut buf, fh + 2, 1); // one section
        put16(&mut buf, fh + 16, 240); // size of the optional header
        put16(&mut buf, fh + 18, 0x2022); // executable, large-address aware, DLL
        // Optional header (PE32+), 16 data directories.
        let oh = fh + 20;
        put16(&mut buf, oh, pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC);
        put(&mut buf, oh + 24, &0x1_4000_0000u64.to_le_bytes()); // image base
        put32(&mut buf, oh + 32, 0x1000); // section alignment
        put32(&mut buf, oh + 36, 0x200); // file alignment
        put32(&mut buf, oh + 56, SECTION_RVA + 0x1000); // size of image
        put32(&mut buf, oh + 60, SECTION_FILE); // size of headers
        put16(&mut buf, oh + 68, pe::IMAGE_SUBSYSTEM_NATIVE);
        put32(&mut buf, oh + 108, 16);

        // The export directory and its tables, in the section.
        let dir_rva = SECTION_RVA + dir_offset;
        let count = u32::try_from(names.len()).unwrap();
        let functions = dir_rva + 40;
        let name_pointers = functions + 4 * count;
        let ordinals = name_pointers + 4 * count;
        let mut strings = ordinals + 2 * count;
        let at = |rva: u32| (rva - SECTION_RVA + SECTION_FILE) as usize;
        let d = at(dir_rva);
        put32(&mut buf, d + 16, 1); // ordinal base
        put32(&mut buf, d + 20, count);
        put32(&mut buf, d + 24, count);
        put32(&mut buf, d + 28, functions);
        put32(&mut buf, d + 32, name_pointers);
        put32(&mut buf, d + 36, ordinals);
        put32(&mut buf, d + 12, strings); // the DLL name
        put(&mut buf, at(strings), b"test.dll\0");
        strings += 9;
        for (i, name) in (0u32..).zip(names) {
            put32(&mut buf, at(functions + 4 * i), SECTION_RVA); // any address in the image
            put32(&mut buf, at(name_pointers + 4 * i), strings);
            put16(&mut buf, at(ordinals + 2 * i), u16::try_from(i).unwrap());
            put(&mut buf, at(strings), name.as_bytes());
            strings += u32::try_from(name.len()).unwrap() + 1;
        }
        let dd = oh + 112; // data directory 0: exports
        put32(&mut buf, dd, dir_rva);
        put32(&mut buf, dd + 4, strings - dir_rva);

        // The section header.
        let sh = oh + 240;
        put(&mut buf, sh, b".rdata\0\0");
        put32(&mut buf, sh + 8, SECTION_SIZE); // virtual size
        put32(&mut buf, sh + 12, SECTION_RVA);
        put32(&mut buf, sh + 16, SECTION_SIZE); // raw size
        put32(&mut buf, sh + 20, SECTION_FILE);
        put32(&mut buf, sh + 36, 0x4000_0040); // initialized data, readable
        buf
    }

    #[test]
    fn exports_are_read_from_an_aligned_export_directory() {
        let facts = read_facts(&image(0x10, &["CADENZA_DEBUG_ROOT", "DriverEntry"])).unwrap();
        assert_eq!(facts.machine, pe::IMAGE_FILE_MACHINE_AMD64);
        assert_eq!(facts.subsystem, pe::IMAGE_SUBSYSTEM_NATIVE);
        assert_eq!(facts.exports, ["CADENZA_DEBUG_ROOT", "DriverEntry"]);
        assert!(facts.imports.is_empty() && facts.delay_load_modules.is_empty());
    }

    #[test]
    fn exports_are_read_from_an_unaligned_export_directory() {
        // Without object's `unaligned` feature this failed with "Invalid PE export dir size":
        // the directory struct is read in place and needs 4-byte alignment.
        for offset in [0x07, 0x2B, 0x0E] {
            let facts = read_facts(&image(offset, &["CADENZA_DEBUG_ROOT", "DriverEntry"]))
                .unwrap_or_else(|e| panic!("directory at +{offset:#x}: {e:#}"));
            assert_eq!(facts.exports, ["CADENZA_DEBUG_ROOT", "DriverEntry"]);
        }
    }
}
