#include "barcode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>
#include <zlib.h>

/* Zint draws the symbol (Code 128 is its table, not ours to copy); zlib compresses the PNG. */

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int
chunk(struct buf *out, const char type[4], const unsigned char *data, size_t len)
{
    unsigned char head[8], tail[4];
    put32(head, (uint32_t)len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len) /* crc32() answers 0 for a NULL buffer, whatever crc it was given */
        crc = crc32(crc, data, (uInt)len);
    put32(tail, (uint32_t)crc);
    return buf_append(out, head, 8) < 0 || buf_append(out, data, len) < 0 ||
                   buf_append(out, tail, 4) < 0
               ? -1
               : 0;
}

/* An 8-bit greyscale PNG of an RGB bitmap. */
static int
write_png(const unsigned char *rgb, int w, int h, struct buf *out)
{
    size_t row = (size_t)w + 1, raw_len = row * (size_t)h;
    unsigned char *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = malloc(zlen);
    int rc = -1;
    if (raw && z) {
        for (int y = 0; y < h; y++) {
            raw[(size_t)y * row] = 0; /* filter: none */
            for (int x = 0; x < w; x++)
                raw[(size_t)y * row + 1 + (size_t)x] = rgb[((size_t)y * (size_t)w + (size_t)x) * 3];
        }
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        unsigned char ihdr[13];
        put32(ihdr, (uint32_t)w);
        put32(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8; /* bit depth */
        ihdr[9] = 0; /* greyscale */
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        if (compress2(z, &zlen, raw, (uLong)raw_len, 9) == Z_OK && buf_append(out, sig, 8) == 0 &&
            chunk(out, "IHDR", ihdr, sizeof(ihdr)) == 0 && chunk(out, "IDAT", z, zlen) == 0 &&
            chunk(out, "IEND", NULL, 0) == 0)
            rc = 0;
    }
    free(raw);
    free(z);
    return rc;
}

int
barcode_png(const char *text, struct buf *out, struct buf *err)
{
    size_t n = strlen(text);
    if (n == 0 || n > BARCODE_MAX_TEXT) {
        buf_printf(err, "barcode text must hold 1 to %d characters", BARCODE_MAX_TEXT);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (text[i] < 0x20 || text[i] > 0x7e) {
            buf_printf(err, "barcode text must be printable ASCII");
            return -1;
        }
    struct zint_symbol *sym = ZBarcode_Create();
    if (!sym) {
        buf_printf(err, "out of memory");
        return -1;
    }
    sym->symbology = BARCODE_CODE128;
    sym->scale = 2;
    sym->height = 50;
    sym->whitespace_width = 10; /* quiet zones so decoders find the edges */
    sym->show_hrt = 1;
    int rc = ZBarcode_Encode_and_Buffer(sym, (const unsigned char *)text, (int)n, 0);
    if (rc >= ZINT_ERROR) {
        buf_printf(err, "barcode: %s", sym->errtxt);
        ZBarcode_Delete(sym);
        return -1;
    }
    rc = write_png(sym->bitmap, sym->bitmap_width, sym->bitmap_height, out);
    if (rc < 0)
        buf_printf(err, "out of memory writing the PNG");
    ZBarcode_Delete(sym);
    return rc;
}
