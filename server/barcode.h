/* barcode: a booking reference as a Code 128 barcode in a PNG image, for the barCodeImage URL
 * that zapiGenerateBarCodeImage hands out. Pure: text in, bytes out. */
#ifndef ZAPI_BARCODE_H
#define ZAPI_BARCODE_H

#include "buf.h"

#define BARCODE_MAX_TEXT 64

/* Appends a PNG of text (printable ASCII, at most BARCODE_MAX_TEXT) to out. Returns 0, or -1 with
 * the reason in err. */
int barcode_png(const char *text, struct buf *out, struct buf *err);

#endif
