/* date: calendar days as integers (days since 1970-01-01), for schedules relative to today.
 * Pure; the caller supplies "today" from its own clock. */
#ifndef ZAPI_DATE_H
#define ZAPI_DATE_H

#include <time.h>

#define DATE_TEXT 11 /* "YYYY-MM-DD" and its NUL */

/* Parses a strict YYYY-MM-DD that names a real day. 0 with *day set, or -1. */
int date_parse(const char *s, long *day);
/* Writes YYYY-MM-DD (out holds DATE_TEXT bytes). */
void date_format(long day, char out[DATE_TEXT]);
/* The UTC day of a wall-clock time. */
long date_from_time(time_t t);
/* 0 = Monday ... 6 = Sunday. */
int date_weekday(long day);
/* Month * 100 + day of month: 1231 for December 31st. */
int date_month_day(long day);
/* Parses "HH:MM" or "HH:MM:SS" into seconds after midnight. 0 or -1. */
int date_parse_time(const char *s, int *seconds);
/* Writes HH:MM:SS (out holds 9 bytes). */
void date_format_time(int seconds, char out[9]);

#endif
