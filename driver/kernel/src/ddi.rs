//! The kernel DDIs Cadenza calls, declared by hand, and a table of their C spelling.
//!
//! Each declaration is written once, inside one of the macros below, which emits both the Rust
//! item (the `unsafe extern` prototype, type alias, `#[repr(C)]` structure or constant) and an
//! entry in a table ([`FUNCTIONS`], [`INTEGERS`], [`POINTERS`], ...) that names it as C does.
//! `tests/ddi_prototypes.rs` turns the tables into a C file of `_Static_assert`s and compiles it
//! against the mingw-w64 DDK headers (`ntddk.h`, `wdm.h`, `dpfilter.h`), so a prototype, size,
//! offset, signedness or value that differs from the header fails the build of that test.
//!
//! How the check is complete: every parameter and return type in a prototype is a *typedef
//! name* (`$ty:ident` in the macro, never an inline `*mut T`), so the C spelling of a Rust
//! signature is the same list of names; the prototype check compares those with the header's
//! declaration (`__builtin_types_compatible_p`), and the typedef checks compare each name's Rust
//! definition with the header's (size, alignment and signedness of integers, the pointee of
//! pointers, the signature of function pointers, the layout of structures).
//!
//! Names follow the WDK headers exactly, so that the C check can use them verbatim; hence the
//! `non_camel_case_types` / `non_snake_case` / `non_upper_case_globals` allowances here
//! (enumerators such as `KernelMode` keep their C spelling).
//!
//! Sources ([`Source`]):
//! - **Header**: declared by mingw-w64 and compared with its declaration.
//! - **HeaderInline**: the header defines it as an inline function (`KeInitializeSpinLock`,
//!   which on x64 only stores 0); Rust re-implements the body here and the check compares the
//!   signature. `MmGetSystemAddressForMdlSafe` is a header *macro* with no signature to check;
//!   [`crate::mdl`] re-implements it from the MDL fields and flags checked here.
//! - **Documentation**: missing from mingw-w64 (Windows 10 2004+ additions). The C check then
//!   declares it itself from the WDK documentation, in the test's prelude, so the comparison is
//!   against an independent transcription, not a vendor header:
//!   `ExAllocatePool2`, `POOL_FLAGS`, `POOL_FLAG_NON_PAGED`, `MdlMappingNoExecute`.
//!
//! One deliberate spelling difference with the current WDK: `MmMapLockedPagesSpecifyCache`
//! takes its last parameter as `ULONG Priority` in the WDK (an `MM_PAGE_PRIORITY` OR'd with
//! `MdlMapping*` flags) and as `MM_PAGE_PRIORITY` in mingw-w64; both are a 32-bit unsigned value
//! passed the same way, and we use mingw's name so that the header check applies.
//!
//! The `extern` blocks are `#[cfg(windows)]` (the imports resolve against `ntoskrnl.lib`, which
//! wdk-build links into the .sys crates); the types, constants and tables exist on every target,
//! so the host tests can read them. All integer types are fixed-width Rust types, so their host
//! sizes are the x64 Windows sizes (`c_long` is never used).
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

use core::ffi::c_void;
use core::fmt;
use core::marker::{PhantomData, PhantomPinned};
use core::mem::{align_of, offset_of, size_of};

/// Where the C check finds the declaration it compares ours with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The mingw-w64 DDK headers declare it.
    Header,
    /// The headers define it as an inline function; Rust re-implements its body.
    HeaderInline,
    /// Missing from mingw-w64: the check declares it from the WDK documentation.
    Documentation,
}

/// A DDI prototype, as C spells it.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    pub name: &'static str,
    pub ret: &'static str,
    pub params: &'static [&'static str],
    pub variadic: bool,
    pub source: Source,
}

impl Function {
    /// The C type of a pointer to this function, e.g. `LONG (*)(PRKEVENT, KPRIORITY, BOOLEAN)`.
    pub fn c_pointer_type(&self) -> CFunctionPointer<'_> {
        CFunctionPointer {
            ret: self.ret,
            params: self.params,
            variadic: self.variadic,
        }
    }
}

/// Formats `RET (*)(A, B[, ...])`.
#[derive(Clone, Copy, Debug)]
pub struct CFunctionPointer<'a> {
    ret: &'a str,
    params: &'a [&'a str],
    variadic: bool,
}

impl fmt::Display for CFunctionPointer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (*)(", self.ret)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p)?;
        }
        if self.variadic {
            f.write_str(", ...")?;
        }
        if self.params.is_empty() && !self.variadic {
            f.write_str("void")?;
        }
        f.write_str(")")
    }
}

/// An integer typedef: what the C check compares.
#[derive(Clone, Copy, Debug)]
pub struct Integer {
    pub name: &'static str,
    pub size: usize,
    pub align: usize,
    pub signed: bool,
    pub source: Source,
}

/// A pointer typedef and the C name of what it points to.
#[derive(Clone, Copy, Debug)]
pub struct Pointer {
    pub name: &'static str,
    pub pointee: &'static str,
    pub pointee_const: bool,
    pub size: usize,
    pub source: Source,
}

/// A function-pointer typedef (the Rust side is `Option<unsafe extern "system" fn ...>`).
#[derive(Clone, Copy, Debug)]
pub struct FnPointer {
    pub name: &'static str,
    pub ret: &'static str,
    pub params: &'static [&'static str],
    pub size: usize,
    pub source: Source,
}

impl FnPointer {
    pub fn c_pointer_type(&self) -> CFunctionPointer<'_> {
        CFunctionPointer {
            ret: self.ret,
            params: self.params,
            variadic: false,
        }
    }
}

/// A structure we only ever handle through pointers: the check compares its C tag.
#[derive(Clone, Copy, Debug)]
pub struct Opaque {
    pub name: &'static str,
    pub c_tag: &'static str,
}

/// A structure whose fields we read or build: size, alignment, and each field's offset and type.
#[derive(Clone, Copy, Debug)]
pub struct Struct {
    pub name: &'static str,
    pub size: usize,
    pub align: usize,
    pub fields: &'static [Field],
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub offset: usize,
    pub c_type: &'static str,
}

/// A typedef that names another typedef (`PHYSICAL_ADDRESS` is a `LARGE_INTEGER`).
#[derive(Clone, Copy, Debug)]
pub struct Alias {
    pub name: &'static str,
    pub of: &'static str,
}

/// A constant (a `#define` or enumerator in C) and its value.
#[derive(Clone, Copy, Debug)]
pub struct Constant {
    pub name: &'static str,
    pub value: i128,
    pub source: Source,
}

const fn is_const(qualifier: &str) -> bool {
    matches!(qualifier.as_bytes(), b"const")
}

macro_rules! integers {
    ($($(#[$m:meta])* [$src:ident] $name:ident = $rust:ty;)*) => {
        $($(#[$m])* pub type $name = $rust;)*
        /// Every integer typedef above.
        pub const INTEGERS: &[Integer] = &[$(Integer {
            name: stringify!($name),
            size: size_of::<$rust>(),
            align: align_of::<$rust>(),
            signed: <$rust>::MIN != 0,
            source: Source::$src,
        }),*];
    };
}

macro_rules! pointers {
    ($($(#[$m:meta])* [$src:ident] $name:ident = * $q:tt $pointee:ident;)*) => {
        $($(#[$m])* pub type $name = *$q $pointee;)*
        /// Every pointer typedef above.
        pub const POINTERS: &[Pointer] = &[$(Pointer {
            name: stringify!($name),
            pointee: stringify!($pointee),
            pointee_const: is_const(stringify!($q)),
            size: size_of::<$name>(),
            source: Source::$src,
        }),*];
    };
}

macro_rules! fn_pointers {
    ($($(#[$m:meta])* [$src:ident] $name:ident = fn($($p:ident),* $(,)?) -> $ret:ident;)*) => {
        $($(#[$m])* pub type $name = Option<unsafe extern "system" fn($($p),*) -> $ret>;)*
        /// Every function-pointer typedef above.
        pub const FN_POINTERS: &[FnPointer] = &[$(FnPointer {
            name: stringify!($name),
            ret: stringify!($ret),
            params: &[$(stringify!($p)),*],
            size: size_of::<$name>(),
            source: Source::$src,
        }),*];
    };
}

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident => $tag:literal;)*) => {
        $(
            $(#[$m])*
            #[repr(C)]
            pub struct $name {
                _private: [u8; 0],
                _not_send_sync_unpin: PhantomData<(*mut u8, PhantomPinned)>,
            }
            impl fmt::Debug for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(stringify!($name))
                }
            }
        )*
        /// Every opaque structure above.
        pub const OPAQUE: &[Opaque] = &[$(Opaque { name: stringify!($name), c_tag: $tag }),*];
    };
}

macro_rules! structs {
    ($($(#[$m:meta])* struct $name:ident { $($(#[$fm:meta])* $field:ident: $fty:ident),* $(,)? })*) => {
        $(
            $(#[$m])*
            #[repr(C)]
            pub struct $name { $($(#[$fm])* pub $field: $fty),* }
        )*
        /// Every structure above.
        pub const STRUCTS: &[Struct] = &[$(Struct {
            name: stringify!($name),
            size: size_of::<$name>(),
            align: align_of::<$name>(),
            fields: &[$(Field {
                name: stringify!($field),
                offset: offset_of!($name, $field),
                c_type: stringify!($fty),
            }),*],
        }),*];
    };
}

macro_rules! aliases {
    ($($(#[$m:meta])* $name:ident = $of:ident;)*) => {
        $($(#[$m])* pub type $name = $of;)*
        /// Every alias above.
        pub const ALIASES: &[Alias] = &[$(Alias { name: stringify!($name), of: stringify!($of) }),*];
    };
}

macro_rules! constants {
    ($($(#[$m:meta])* [$src:ident] $name:ident: $ty:ident = $value:expr;)*) => {
        $($(#[$m])* pub const $name: $ty = $value;)*
        /// Every constant above.
        #[allow(clippy::cast_lossless)] // `i128::from` is not callable in a const.
        pub const CONSTANTS: &[Constant] = &[$(Constant {
            name: stringify!($name),
            value: $name as i128,
            source: Source::$src,
        }),*];
    };
}

macro_rules! functions {
    (
        extern "system" {
            $($(#[$m:meta])* [$src:ident] fn $name:ident($($arg:ident: $ty:ident),* $(,)?) -> $ret:ident;)*
        }
        extern "C" variadic {
            $($(#[$vm:meta])* [$vsrc:ident] fn $vname:ident($($varg:ident: $vty:ident),* , ...) -> $vret:ident;)*
        }
        inline {
            $($(#[$im:meta])* [$isrc:ident] unsafe fn $iname:ident($($iarg:ident: $ity:ident),* $(,)?) -> $iret:ident $body:block)*
        }
    ) => {
        #[cfg(windows)]
        unsafe extern "system" {
            $($(#[$m])* pub fn $name($($arg: $ty),*) -> $ret;)*
        }

        #[cfg(windows)]
        unsafe extern "C" {
            $($(#[$vm])* pub fn $vname($($varg: $vty),* , ...) -> $vret;)*
        }

        $($(#[$im])* pub unsafe fn $iname($($iarg: $ity),*) -> $iret $body)*

        /// Every DDI prototype above (imports, variadic imports, and header inlines).
        pub const FUNCTIONS: &[Function] = &[
            $(Function {
                name: stringify!($name),
                ret: stringify!($ret),
                params: &[$(stringify!($ty)),*],
                variadic: false,
                source: Source::$src,
            },)*
            $(Function {
                name: stringify!($vname),
                ret: stringify!($vret),
                params: &[$(stringify!($vty)),*],
                variadic: true,
                source: Source::$vsrc,
            },)*
            $(Function {
                name: stringify!($iname),
                ret: stringify!($iret),
                params: &[$(stringify!($ity)),*],
                variadic: false,
                source: Source::$isrc,
            },)*
        ];
    };
}

/// C `void`, the pointee of `PVOID` (the check's prelude has `typedef void c_void;`).
pub type VOID = ();

integers! {
    [Header] UCHAR = u8;
    [Header] CHAR = i8;
    [Header] CSHORT = i16;
    [Header] ULONG = u32;
    [Header] LONG = i32;
    [Header] LONGLONG = i64;
    [Header] ULONG64 = u64;
    [Header] ULONG_PTR = usize;
    [Header] SIZE_T = usize;
    /// `TRUE` is 1, `FALSE` 0.
    [Header] BOOLEAN = u8;
    /// An interrupt request level (PASSIVE_LEVEL 0, APC_LEVEL 1, DISPATCH_LEVEL 2).
    [Header] KIRQL = u8;
    [Header] KPRIORITY = i32;
    [Header] KPROCESSOR_MODE = i8;
    /// A spin lock: one pointer-sized word, 0 when free.
    [Header] KSPIN_LOCK = usize;
    /// An enum in C with a negative member (`MmNotMapped = -1`), hence `int`.
    [Header] MEMORY_CACHING_TYPE = i32;
    /// An enum in C with only non-negative members, hence `unsigned int`.
    [Header] MM_PAGE_PRIORITY = u32;
    /// `ExAllocatePool2` flags (Windows 10 2004).
    [Documentation] POOL_FLAGS = u64;
    [Header] USHORT = u16;
    /// A UTF-16 code unit.
    [Header] WCHAR = u16;
    [Header] NTSTATUS = i32;
    /// A locale id; device-interface properties are set with 0 (LOCALE_NEUTRAL).
    [Header] LCID = u32;
    /// `DEVPROP_TYPE_*` (devpropdef.h).
    [Header] DEVPROPTYPE = u32;
}

opaque! {
    /// A dispatcher event (`KEVENT`); only its address is ever used.
    KEVENT => "struct _KEVENT";
    /// A timer object from `ExAllocateTimer`.
    EX_TIMER => "struct _EX_TIMER";
    /// `EXT_SET_PARAMETERS`; we always pass NULL.
    EXT_SET_PARAMETERS => "struct _EXT_SET_PARAMETERS_V0";
    /// `EXT_DELETE_PARAMETERS`; we always pass NULL.
    EXT_DELETE_PARAMETERS => "struct _EXT_DELETE_PARAMETERS";
    /// A process object (the `Process` field of an MDL).
    EPROCESS => "struct _EPROCESS";
    /// A device object (here: a physical device object, the PDO).
    DEVICE_OBJECT => "struct _DEVICE_OBJECT";
    /// A GUID: 16 bytes, 4-aligned; callers pass [`crate::interface::GuidRepr`].
    GUID => "struct _GUID";
    /// A device property key `{GUID fmtid; ULONG pid;}`; callers pass
    /// [`crate::interface::PropertyKeyRepr`].
    DEVPROPKEY => "struct _DEVPROPKEY";
}

pointers! {
    [Header] PVOID = *mut c_void;
    [Header] PCSTR = *const CHAR;
    [Header] PKSPIN_LOCK = *mut KSPIN_LOCK;
    [Header] PLARGE_INTEGER = *mut LARGE_INTEGER;
    [Header] PRKEVENT = *mut KEVENT;
    [Header] PEX_TIMER = *mut EX_TIMER;
    [Header] PEXT_SET_PARAMETERS = *mut EXT_SET_PARAMETERS;
    /// A `void *` in mingw-w64 (the WDK makes it a pointer to an opaque structure); NULL here.
    [Header] PEXT_CANCEL_PARAMETERS = *mut c_void;
    [Header] PEXT_DELETE_PARAMETERS = *mut EXT_DELETE_PARAMETERS;
    [Header] PEPROCESS = *mut EPROCESS;
    [Header] PMDL = *mut MDL;
    [Header] PWSTR = *mut WCHAR;
    [Header] PUNICODE_STRING = *mut UNICODE_STRING;
    [Header] PDEVICE_OBJECT = *mut DEVICE_OBJECT;
    [Header] LPCGUID = *const GUID;
    /// `const DEVPROPKEY *` (mingw-w64 has no name for it; the WDK's prototype spells it out).
    [Documentation] PCDEVPROPKEY = *const DEVPROPKEY;
}

fn_pointers! {
    /// `EXT_CALLBACK`: a timer's expiry routine, called at DISPATCH_LEVEL.
    [Header] PEXT_CALLBACK = fn(PEX_TIMER, PVOID) -> VOID;
}

structs! {
    /// A signed 64-bit value (a union in C; only `QuadPart` is used). Eight bytes, passed and
    /// returned in a general-purpose register on x64, like the C union.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    struct LARGE_INTEGER {
        QuadPart: LONGLONG,
    }

    /// A counted UTF-16 string (`Length` and `MaximumLength` in bytes, no NUL needed).
    #[derive(Debug)]
    struct UNICODE_STRING {
        Length: USHORT,
        MaximumLength: USHORT,
        Buffer: PWSTR,
    }

    /// A memory descriptor list header (the page-frame array follows it in memory).
    #[derive(Debug)]
    struct MDL {
        Next: PMDL,
        Size: CSHORT,
        MdlFlags: CSHORT,
        Process: PEPROCESS,
        MappedSystemVa: PVOID,
        StartVa: PVOID,
        ByteCount: ULONG,
        ByteOffset: ULONG,
    }
}

aliases! {
    PHYSICAL_ADDRESS = LARGE_INTEGER;
}

constants! {
    [Header] FALSE: BOOLEAN = 0;
    [Header] TRUE: BOOLEAN = 1;
    /// `KeSetEvent` priority increment: none.
    [Header] IO_NO_INCREMENT: KPRIORITY = 0;
    /// `ExAllocateTimer` attribute: a high-resolution timer (Windows 8.1).
    [Header] EX_TIMER_HIGH_RESOLUTION: ULONG = 4;
    /// `ExAllocatePool2`: non-paged, non-executable pool (zeroed unless
    /// `POOL_FLAG_UNINITIALIZED` is also given).
    [Documentation] POOL_FLAG_NON_PAGED: POOL_FLAGS = 0x40;
    /// `DbgPrintEx` component for audio drivers (`DPFLTR_TYPE` enumerator).
    [Header] DPFLTR_IHVAUDIO_ID: ULONG = 79;
    [Header] DPFLTR_ERROR_LEVEL: ULONG = 0;
    [Header] DPFLTR_WARNING_LEVEL: ULONG = 1;
    [Header] DPFLTR_TRACE_LEVEL: ULONG = 2;
    [Header] DPFLTR_INFO_LEVEL: ULONG = 3;
    /// `MODE` enumerator.
    [Header] KernelMode: KPROCESSOR_MODE = 0;
    /// `MEMORY_CACHING_TYPE` enumerator.
    [Header] MmCached: MEMORY_CACHING_TYPE = 1;
    /// `MM_PAGE_PRIORITY` enumerator.
    [Header] NormalPagePriority: MM_PAGE_PRIORITY = 16;
    /// OR'd into an `MM_PAGE_PRIORITY`: map the pages non-executable (Windows 8).
    [Documentation] MdlMappingNoExecute: MM_PAGE_PRIORITY = 0x4000_0000;
    /// `MmAllocatePagesForMdlEx` flag: all requested pages or none.
    [Header] MM_ALLOCATE_FULLY_REQUIRED: ULONG = 0x4;
    /// `MDL.MdlFlags`: the pages are mapped at `MappedSystemVa`.
    [Header] MDL_MAPPED_TO_SYSTEM_VA: CSHORT = 0x0001;
    /// `MDL.MdlFlags`: the MDL describes non-paged pool, mapped at `MappedSystemVa`.
    [Header] MDL_SOURCE_IS_NONPAGED_POOL: CSHORT = 0x0004;
}

functions! {
    extern "system" {
        /// The performance counter, and (if `PerformanceFrequency` is not NULL) its frequency in
        /// ticks per second. Any IRQL.
        [Header] fn KeQueryPerformanceCounter(
            PerformanceFrequency: PLARGE_INTEGER,
        ) -> LARGE_INTEGER;
        /// Raises to DISPATCH_LEVEL and acquires the lock; returns the previous IRQL.
        /// IRQL ≤ DISPATCH_LEVEL.
        [Header] fn KeAcquireSpinLockRaiseToDpc(SpinLock: PKSPIN_LOCK) -> KIRQL;
        /// Releases the lock and lowers to `NewIrql`. IRQL = DISPATCH_LEVEL (while held).
        [Header] fn KeReleaseSpinLock(SpinLock: PKSPIN_LOCK, NewIrql: KIRQL) -> VOID;
        /// Creates a timer object; NULL on failure. IRQL ≤ DISPATCH_LEVEL.
        [Header] fn ExAllocateTimer(
            Callback: PEXT_CALLBACK,
            CallbackContext: PVOID,
            Attributes: ULONG,
        ) -> PEX_TIMER;
        /// (Re)starts a timer; negative `DueTime` is relative in 100 ns. Returns whether it was
        /// already set (and so was cancelled first). IRQL ≤ DISPATCH_LEVEL.
        [Header] fn ExSetTimer(
            Timer: PEX_TIMER,
            DueTime: LONGLONG,
            Period: LONGLONG,
            Parameters: PEXT_SET_PARAMETERS,
        ) -> BOOLEAN;
        /// Cancels a set timer; returns whether it was set. Does not wait for a running
        /// callback. IRQL ≤ DISPATCH_LEVEL.
        [Header] fn ExCancelTimer(Timer: PEX_TIMER, Parameters: PEXT_CANCEL_PARAMETERS) -> BOOLEAN;
        /// Deletes a timer, optionally cancelling it and waiting for a running callback.
        /// IRQL: PASSIVE_LEVEL with `Wait` = TRUE, else ≤ DISPATCH_LEVEL.
        [Header] fn ExDeleteTimer(
            Timer: PEX_TIMER,
            Cancel: BOOLEAN,
            Wait: BOOLEAN,
            Parameters: PEXT_DELETE_PARAMETERS,
        ) -> BOOLEAN;
        /// Signals an event; returns its previous state. IRQL ≤ DISPATCH_LEVEL with `Wait` =
        /// FALSE.
        [Header] fn KeSetEvent(Event: PRKEVENT, Increment: KPRIORITY, Wait: BOOLEAN) -> LONG;
        /// Pool memory, zeroed unless `POOL_FLAG_UNINITIALIZED`; NULL on failure (Windows 10
        /// 2004). IRQL ≤ DISPATCH_LEVEL for non-paged pool.
        [Documentation] fn ExAllocatePool2(
            Flags: POOL_FLAGS,
            NumberOfBytes: SIZE_T,
            Tag: ULONG,
        ) -> PVOID;
        /// Frees pool allocated with `Tag`. IRQL ≤ DISPATCH_LEVEL.
        [Header] fn ExFreePoolWithTag(P: PVOID, Tag: ULONG) -> VOID;
        /// Frees pool (here: the MDL from `MmAllocatePagesForMdlEx`). IRQL ≤ DISPATCH_LEVEL.
        [Header] fn ExFreePool(P: PVOID) -> VOID;
        /// Allocates zeroed physical pages (unless `MM_DONT_ZERO_ALLOCATION`) described by a new
        /// MDL; NULL on failure. IRQL ≤ APC_LEVEL.
        [Header] fn MmAllocatePagesForMdlEx(
            LowAddress: PHYSICAL_ADDRESS,
            HighAddress: PHYSICAL_ADDRESS,
            SkipBytes: PHYSICAL_ADDRESS,
            TotalBytes: SIZE_T,
            CacheType: MEMORY_CACHING_TYPE,
            Flags: ULONG,
        ) -> PMDL;
        /// Maps an MDL's pages; NULL on failure when `BugCheckOnFailure` is FALSE.
        /// IRQL ≤ DISPATCH_LEVEL for `KernelMode`.
        [Header] fn MmMapLockedPagesSpecifyCache(
            MemoryDescriptorList: PMDL,
            AccessMode: KPROCESSOR_MODE,
            CacheType: MEMORY_CACHING_TYPE,
            RequestedAddress: PVOID,
            BugCheckOnFailure: ULONG,
            Priority: MM_PAGE_PRIORITY,
        ) -> PVOID;
        /// Unmaps what `MmMapLockedPagesSpecifyCache` mapped. IRQL ≤ DISPATCH_LEVEL.
        [Header] fn MmUnmapLockedPages(BaseAddress: PVOID, MemoryDescriptorList: PMDL) -> VOID;
        /// Frees the pages of an MDL from `MmAllocatePagesForMdlEx` (not the MDL itself).
        /// IRQL ≤ APC_LEVEL.
        [Header] fn MmFreePagesFromMdl(MemoryDescriptorList: PMDL) -> VOID;
        /// Registers (or, when already registered, finds) the device interface of class
        /// `InterfaceClassGuid` with `ReferenceString` on a PDO and returns its symbolic link in
        /// a string the caller frees with `RtlFreeUnicodeString`. PASSIVE_LEVEL.
        [Header] fn IoRegisterDeviceInterface(
            PhysicalDeviceObject: PDEVICE_OBJECT,
            InterfaceClassGuid: LPCGUID,
            ReferenceString: PUNICODE_STRING,
            SymbolicLinkName: PUNICODE_STRING,
        ) -> NTSTATUS;
        /// Sets a device-interface property (Windows Vista; missing from mingw-w64).
        /// PASSIVE_LEVEL.
        [Documentation] fn IoSetDeviceInterfacePropertyData(
            SymbolicLinkName: PUNICODE_STRING,
            PropertyKey: PCDEVPROPKEY,
            Lcid: LCID,
            Flags: ULONG,
            Type: DEVPROPTYPE,
            Size: ULONG,
            Data: PVOID,
        ) -> NTSTATUS;
        /// Frees a string the kernel allocated (the symbolic link above). PASSIVE_LEVEL.
        [Header] fn RtlFreeUnicodeString(UnicodeString: PUNICODE_STRING) -> VOID;
    }
    extern "C" variadic {
        /// Prints to the kernel debugger if `ComponentId`/`Level` are enabled. `__cdecl`.
        /// Any IRQL for ANSI arguments (Unicode ones need PASSIVE_LEVEL; we pass none).
        [Header] fn DbgPrintEx(ComponentId: ULONG, Level: ULONG, Format: PCSTR, ...) -> ULONG;
    }
    inline {
        /// Initializes a spin lock. The x64 headers define this inline as a store of 0, and
        /// this is that definition. Any IRQL.
        ///
        /// # Safety
        /// `SpinLock` must be valid for a write and not held by anyone.
        [HeaderInline] unsafe fn KeInitializeSpinLock(SpinLock: PKSPIN_LOCK) -> VOID {
            // SAFETY: the caller guarantees `SpinLock` is valid for writes and not held.
            unsafe { SpinLock.write(0) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn c_spelling_of_prototypes() {
        let find = |n: &str| FUNCTIONS.iter().find(|f| f.name == n).copied();
        let set = find("KeSetEvent").map(|f| f.c_pointer_type().to_string());
        assert_eq!(
            set.as_deref(),
            Some("LONG (*)(PRKEVENT, KPRIORITY, BOOLEAN)")
        );
        let dbg = find("DbgPrintEx").map(|f| f.c_pointer_type().to_string());
        assert_eq!(dbg.as_deref(), Some("ULONG (*)(ULONG, ULONG, PCSTR, ...)"));
        let init = find("KeInitializeSpinLock").map(|f| f.source);
        assert_eq!(init, Some(Source::HeaderInline));
    }

    #[test]
    fn typedef_tables_describe_the_rust_types() {
        let ulong = INTEGERS.iter().find(|i| i.name == "ULONG").copied();
        assert!(matches!(
            ulong,
            Some(Integer {
                size: 4,
                signed: false,
                ..
            })
        ));
        let pcstr = POINTERS.iter().find(|p| p.name == "PCSTR").copied();
        assert!(matches!(
            pcstr,
            Some(Pointer {
                pointee: "CHAR",
                pointee_const: true,
                ..
            })
        ));
        let pmdl = POINTERS.iter().find(|p| p.name == "PMDL").copied();
        assert!(matches!(
            pmdl,
            Some(Pointer {
                pointee: "MDL",
                pointee_const: false,
                ..
            })
        ));
        assert_eq!(FN_POINTERS[0].size, 8);
        let mdl = STRUCTS.iter().find(|s| s.name == "MDL").copied();
        assert!(matches!(
            mdl,
            Some(Struct {
                size: 48,
                align: 8,
                ..
            })
        ));
    }

    #[test]
    fn inline_spin_lock_init_stores_zero() {
        let mut lock: KSPIN_LOCK = 0x55;
        // SAFETY: `lock` is a local, valid for writes and held by no one.
        unsafe { KeInitializeSpinLock(&raw mut lock) };
        assert_eq!(lock, 0);
    }
}
