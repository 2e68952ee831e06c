/*
 * setupapi_dump: prints an INF as SetupAPI reads it, for tests/wine.rs (a second opinion on
 * cadenza-infcheck's parser, run under Wine on Linux).
 *
 *   setupapi_dump.exe <INF path>   (section names on stdin, one per line)
 *
 * Output (UTF-8), one record per line, fields separated by TAB:
 *   OPEN <ok|fail> <GetLastError()> <error line>
 *   SECTION <name> <line count, -1 if absent>
 *   LINE <section> <index> <field count> <field 0> <field 1> ... <field count>
 */
#include <windows.h>
#include <setupapi.h>
#include <stdio.h>
#include <string.h>

static void put_utf8(const WCHAR *w)
{
    char buf[8192];
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)sizeof buf, NULL, NULL);
    if (n > 0)
        fwrite(buf, 1, (size_t)(n - 1), stdout);
}

int wmain(int argc, WCHAR **argv)
{
    UINT error_line = 0;
    HINF inf;
    char name[1024];

    if (argc != 2) {
        fprintf(stderr, "usage: setupapi_dump <inf>\n");
        return 2;
    }
    inf = SetupOpenInfFileW(argv[1], NULL, INF_STYLE_WIN4, &error_line);
    if (inf == INVALID_HANDLE_VALUE) {
        printf("OPEN\tfail\t%lu\t%u\n", (unsigned long)GetLastError(), error_line);
        return 1;
    }
    printf("OPEN\tok\t0\t0\n");
    while (fgets(name, sizeof name, stdin)) {
        WCHAR section[1024];
        LONG count;
        LONG i;
        name[strcspn(name, "\r\n")] = 0;
        if (!name[0])
            continue;
        MultiByteToWideChar(CP_UTF8, 0, name, -1, section, 1024);
        count = SetupGetLineCountW(inf, section);
        printf("SECTION\t%s\t%ld\n", name, count);
        for (i = 0; i < count; i++) {
            INFCONTEXT ctx;
            DWORD fields;
            DWORD f;
            if (!SetupGetLineByIndexW(inf, section, (DWORD)i, &ctx)) {
                printf("LINE\t%s\t%ld\t-1\n", name, i);
                continue;
            }
            fields = SetupGetFieldCount(&ctx);
            printf("LINE\t%s\t%ld\t%lu", name, i, (unsigned long)fields);
            for (f = 0; f <= fields; f++) {
                WCHAR value[4096];
                DWORD needed = 0;
                putchar('\t');
                if (SetupGetStringFieldW(&ctx, f, value, 4096, &needed))
                    put_utf8(value);
                else
                    fputs("<none>", stdout);
            }
            putchar('\n');
        }
    }
    SetupCloseInfFile(inf);
    fflush(stdout);
    return 0;
}
