/* Test-only stand-in for bcryptprimitives.dll, which Wine 8 (Debian bookworm) lacks and
 * Rust's standard library imports (ProcessPrng, for HashMap seeds) on Windows since 1.78.
 * tools/cadenza/ci.sh builds it with mingw-w64 and puts it beside cadenza.exe in the Wine
 * run only; on Windows the system's own DLL is used. ProcessPrng fills the buffer from
 * advapi32's RtlGenRandom (SystemFunction036) and, like the real one, always succeeds. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        SystemFunction036(data, chunk);
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
