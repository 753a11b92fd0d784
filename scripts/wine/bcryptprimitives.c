/* Test device only, never shipped: wine 8 has no bcryptprimitives.dll, from which Rust's std
 * imports ProcessPrng. This one exports it over advapi32's RtlGenRandom (SystemFunction036).
 * scripts/test-dist.sh builds it with mingw and puts it beside nianbao.exe for the test.
 * Real Windows (10 and later) has its own. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
