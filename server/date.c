#include "date.h"

#include <ctype.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian. */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void
civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
date_parse(const char *s, long *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *day = days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

void
date_format(long day, char out[DATE_TEXT])
{
    long y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

long
date_from_time(time_t t)
{
    long s = (long)t;
    return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int
date_weekday(long day)
{
    /* 1970-01-01 was a Thursday (3). */
    long w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int
date_month_day(long day)
{
    long y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    return (int)(m * 100 + d);
}

int
date_parse_time(const char *s, int *seconds)
{
    size_t n = s ? strlen(s) : 0;
    if ((n != 5 && n != 8) || s[2] != ':' || (n == 8 && s[5] != ':'))
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2), sec = n == 8 ? digits(s + 6, 2) : 0;
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
        return -1;
    *seconds = h * 3600 + m * 60 + sec;
    return 0;
}

void
date_format_time(int seconds, char out[9])
{
    unsigned s = (unsigned)seconds % 86400u, h = s / 3600, m = s / 60 % 60, sec = s % 60;
    out[0] = (char)('0' + h / 10);
    out[1] = (char)('0' + h % 10);
    out[2] = ':';
    out[3] = (char)('0' + m / 10);
    out[4] = (char)('0' + m % 10);
    out[5] = ':';
    out[6] = (char)('0' + sec / 10);
    out[7] = (char)('0' + sec % 10);
    out[8] = '\0';
}
