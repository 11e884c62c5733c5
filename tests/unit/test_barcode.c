/* Unit tests for barcode: the PNG is well formed (signature, chunk order, every chunk's CRC,
 * IHDR of an 8-bit greyscale image whose IDAT inflates to its rows) and bad texts are refused. */
#include "barcode.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "support.h"

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_png_chunks_and_crcs)
{
    struct buf png = BUF_INIT, err = BUF_INIT;
    ck_assert_int_eq(barcode_png("BHTVE2T", &png, &err), 0);
    const unsigned char *p = (const unsigned char *)png.data;
    ck_assert_uint_gt(png.len, 8 + 3 * 12);
    ck_assert_int_eq(memcmp(p, "\x89PNG\r\n\x1a\n", 8), 0);
    const char *want[] = {"IHDR", "IDAT", "IEND"};
    size_t at = 8, nchunks = 0;
    uint32_t width = 0, height = 0;
    unsigned char *idat = NULL;
    size_t idat_len = 0;
    while (at < png.len) {
        ck_assert_uint_le(at + 12, png.len);
        uint32_t len = get32(p + at);
        ck_assert_uint_le(at + 12 + len, png.len);
        const unsigned char *type = p + at + 4, *data = p + at + 8;
        ck_assert_uint_lt(nchunks, 3);
        ck_assert_int_eq(memcmp(type, want[nchunks], 4), 0);
        uLong crc = crc32(0L, type, 4);
        if (len)
            crc = crc32(crc, data, len);
        ck_assert_msg(get32(data + len) == (uint32_t)crc, "%.4s: CRC %08x, should be %08lx", type,
                      get32(data + len), crc);
        if (nchunks == 0) {
            ck_assert_uint_eq(len, 13);
            width = get32(data);
            height = get32(data + 4);
            ck_assert_int_eq(data[8], 8); /* bit depth */
            ck_assert_int_eq(data[9], 0); /* greyscale */
        } else if (nchunks == 1) {
            idat = malloc(len);
            ck_assert_ptr_nonnull(idat);
            memcpy(idat, data, len);
            idat_len = len;
        }
        at += 12 + len;
        nchunks++;
    }
    ck_assert_uint_eq(nchunks, 3);
    ck_assert_uint_eq(at, png.len);
    ck_assert_uint_gt(width, 50);
    ck_assert_uint_gt(height, 10);
    uLongf raw_len = (uLongf)(width + 1) * height;
    unsigned char *raw = malloc(raw_len);
    ck_assert_ptr_nonnull(raw);
    ck_assert_int_eq(uncompress(raw, &raw_len, idat, idat_len), Z_OK);
    ck_assert_uint_eq(raw_len, (uLongf)(width + 1) * height);
    /* Black bars and white gaps both appear in the middle row. */
    const unsigned char *mid = raw + (size_t)(height / 2) * (width + 1) + 1;
    int black = 0, white = 0;
    for (uint32_t x = 0; x < width; x++) {
        black += mid[x] < 64;
        white += mid[x] > 192;
    }
    ck_assert_int_gt(black, 10);
    ck_assert_int_gt(white, 10);
    free(raw);
    free(idat);
    buf_free(&png);
    buf_free(&err);
}
END_TEST

START_TEST(test_bad_text_refused)
{
    struct buf png = BUF_INIT, err = BUF_INIT;
    ck_assert_int_eq(barcode_png("", &png, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.data, "1 to"));
    err.len = 0;
    ck_assert_int_eq(barcode_png("ABC\n", &png, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.data, "printable"));
    ck_assert_uint_eq(png.len, 0);
    buf_free(&png);
    buf_free(&err);
}
END_TEST

static Suite *
barcode_suite(void)
{
    Suite *s = suite_create("barcode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_png_chunks_and_crcs);
    tcase_add_test(tc, test_bad_text_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return support_run(barcode_suite());
}
