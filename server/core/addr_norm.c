/*
 * Normal form of Japanese address text (see addr.h). Works on code points
 * with, for each, the byte of the input it came from, so that what was
 * not matched can be handed back in the caller's own spelling.
 *
 * The width folding is NFKC restricted to what addresses use: full-width
 * ASCII, the ideographic space and half-width katakana. The rest are the
 * conventions of Japanese addresses, applied only where a number is next
 * to them so that town names (一本松, 十日市場, 一番町) stay as they are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "utf8.h"
#include "xmalloc.h"

struct cps {
	uint32_t *cp;
	size_t *off;
	size_t n, cap;
};

static void
cps_push(struct cps *s, uint32_t cp, size_t off)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		s->cp = xreallocarray(s->cp, s->cap, sizeof *s->cp);
		s->off = xreallocarray(s->off, s->cap, sizeof *s->off);
	}
	s->cp[s->n] = cp;
	s->off[s->n] = off;
	s->n++;
}

static void
cps_free(struct cps *s)
{
	free(s->cp);
	free(s->off);
	memset(s, 0, sizeof *s);
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int
addr_decode(const char *in, struct cps *out)
{
	size_t i;
	uint32_t cp;
	int len;

	for (i = 0; in[i] != '\0'; i += (size_t)len) {
		if ((len = utf8_decode(in + i, SIZE_MAX, &cp)) == 0)
			return -1;
		cps_push(out, cp, i);
	}
	return 0;
}

/* Half-width katakana U+FF66..U+FF9D as full-width. */
static const uint16_t addr_hwkana[] = {0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7,
    0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6,
    0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7,
    0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA,
    0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB,
    0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3};

static int
addr_is_dash(uint32_t c)
{
	return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 ||
	    c == 0xFE58 || c == 0xFE63 || c == 0xFF0D || c == 0x2500 ||
	    c == 0x2501 || c == 0x2043 || c == 0x02D7;
}

static int
addr_is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 ||
	    c == 0x00A0;
}

/* Width folding, spaces out, dashes made '-'. */
static void
addr_fold(const struct cps *in, struct cps *out)
{
	size_t i;
	uint32_t c, v;

	for (i = 0; i < in->n; i++) {
		c = in->cp[i];
		if (addr_is_space(c))
			continue;
		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		if (addr_is_dash(c))
			c = '-';
		else if (c >= 0xFF66 && c <= 0xFF9D)
			c = addr_hwkana[c - 0xFF66];
		else if ((c == 0xFF9E || c == 0xFF9F) && out->n > 0) {
			/* Voiced marks join the kana before them. */
			v = out->cp[out->n - 1];
			if (c == 0xFF9E && v >= 0x30AB && v <= 0x30C8)
				out->cp[out->n - 1] = v + 1;
			else if (v >= 0x30CF && v <= 0x30DB &&
			    (v - 0x30CF) % 3 == 0)
				out->cp[out->n - 1] = v + (c == 0xFF9E ? 1 : 2);
			else if (c == 0xFF9E && v == 0x30A6)
				out->cp[out->n - 1] = 0x30F4;
			continue;
		} else if (c == 0xFF70)
			c = 0x30FC;
		cps_push(out, c, in->off[i]);
	}
}

static int
addr_kanji_digit(uint32_t c)
{
	static const uint32_t d[] = {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB,
	    0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D};
	int i;

	if (c == 0x25CB) /* ○ written for 〇 */
		return 0;
	for (i = 0; i < 10; i++) {
		if (d[i] == c)
			return i;
	}
	return -1;
}

static int
addr_kanji_unit(uint32_t c)
{
	return c == 0x5341 ? 10 : c == 0x767E ? 100 : c == 0x5343 ? 1000 : 0;
}

static int
addr_is_numeral(uint32_t c)
{
	return addr_kanji_digit(c) >= 0 || addr_kanji_unit(c) > 0;
}

static int
addr_is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

static int
addr_is_kanji(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    c == 0x3005 || (c >= 0xF900 && c <= 0xFAFF);
}

#define CH_CHO   0x4E01 /* 丁 */
#define CH_ME    0x76EE /* 目 */
#define CH_BAN   0x756A /* 番 */
#define CH_CHI   0x5730 /* 地 */
#define CH_GO    0x53F7 /* 号 */
#define CH_NO    0x306E /* の */
#define CH_KNO   0x30CE /* ノ */
#define CH_MACHI 0x753A /* 町 */
#define CH_CHOON 0x30FC /* ー */
#define CH_DAI   0x5927 /* 大 */
#define CH_AZA   0x5B57 /* 字 */
#define CH_KE    0x30B1 /* ケ */

static uint32_t
cp_at(const struct cps *s, size_t i)
{
	return i < s->n ? s->cp[i] : 0;
}

/* A kanji number followed by one of these is a number of the address. */
static int
addr_numeral_ends(const struct cps *s, size_t j)
{
	uint32_t c = cp_at(s, j), d = cp_at(s, j + 1);

	if (c == '-' || c == CH_GO)
		return 1;
	if (c == CH_CHO)
		return d == CH_ME;
	if (c == CH_BAN)
		return d != CH_MACHI;
	if (c == CH_NO || c == CH_KNO)
		return addr_is_numeral(d) || addr_is_digit(d);
	return 0;
}

static unsigned long
addr_numeral_value(const struct cps *s, size_t i, size_t j)
{
	unsigned long total = 0, cur = 0, pos = 0;
	int units = 0, d, u;
	size_t k;

	for (k = i; k < j; k++)
		units |= addr_kanji_unit(s->cp[k]) > 0;
	for (k = i; k < j; k++) {
		d = addr_kanji_digit(s->cp[k]);
		u = addr_kanji_unit(s->cp[k]);
		if (!units)
			pos = pos * 10 + (unsigned long)d;
		else if (d >= 0)
			cur = (unsigned long)d;
		else {
			total += (cur == 0 ? 1 : cur) * (unsigned long)u;
			cur = 0;
		}
		if (pos > 100000000UL || total > 100000000UL)
			break;
	}
	return units ? total + cur : pos;
}

static void
addr_push_number(struct cps *out, unsigned long v, size_t off)
{
	char buf[24];
	int i, n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = n - 1; i >= 0; i--)
		cps_push(out, (uint32_t)buf[i], off);
}

/* Kanji numbers that are numbers of the address become digits. */
static void
addr_numerals(const struct cps *in, struct cps *out)
{
	size_t i = 0, j;
	uint32_t prev;

	while (i < in->n) {
		if (!addr_is_numeral(in->cp[i])) {
			cps_push(out, in->cp[i], in->off[i]);
			i++;
			continue;
		}
		for (j = i; j < in->n && addr_is_numeral(in->cp[j]); j++)
			;
		prev = out->n > 0 ? out->cp[out->n - 1] : 0;
		if (addr_numeral_ends(in, j) ||
		    (prev == '-' &&
		        (j == in->n || !addr_is_kanji(in->cp[j])))) {
			addr_push_number(
			    out, addr_numeral_value(in, i, j), in->off[i]);
		} else {
			for (; i < j; i++)
				cps_push(out, in->cp[i], in->off[i]);
		}
		i = j;
	}
}

/* 丁目/番地/番/号/の/ー after a number, 大字/字, ヶ and の between kanji. */
static void
addr_marks(const struct cps *in, struct cps *out)
{
	size_t i;
	uint32_t c, p, n, n2;

	for (i = 0; i < in->n; i++) {
		c = in->cp[i];
		p = out->n > 0 ? out->cp[out->n - 1] : 0;
		n = cp_at(in, i + 1);
		n2 = cp_at(in, i + 2);
		if (addr_is_digit(p)) {
			if (c == CH_CHO && n == CH_ME) {
				cps_push(out, '-', in->off[i]);
				i++;
				continue;
			}
			if (c == CH_BAN && n == CH_CHI) {
				cps_push(out, '-', in->off[i]);
				i++;
				continue;
			}
			if ((c == CH_BAN && n != CH_MACHI) ||
			    (c == CH_GO && !addr_is_kanji(n)) ||
			    ((c == CH_NO || c == CH_KNO || c == CH_CHOON ||
			         c == 0x30FD) &&
			        addr_is_digit(n))) {
				cps_push(out, '-', in->off[i]);
				continue;
			}
		}
		if (c == '-' && p == '-')
			continue;
		if (c == CH_DAI && n == CH_AZA && addr_is_kanji(n2) &&
		    (p == 0 || !addr_is_kanji(p) || p == 0x533A ||
		        p == 0x5E02 || p == CH_MACHI || p == 0x6751 ||
		        p == 0x90E1)) {
			i++; /* 大字 */
			continue;
		}
		if (c == CH_AZA &&
		    (addr_is_kanji(n) || (n >= 0x30A0 && n <= 0x30FF)) &&
		    (p == 0 || p == 0x533A || p == 0x5E02 || p == CH_MACHI ||
		        p == 0x6751 || p == 0x90E1))
			continue; /* 字 after 市/区/町/村/郡 or first */
		if ((c == 0x30F6 || c == 0x30F5 || c == CH_KE || c == 0x304C ||
		        c == 0x30AC) &&
		    addr_is_kanji(p) && addr_is_kanji(n))
			c = CH_KE;
		else if ((c == CH_NO || c == CH_KNO) && addr_is_kanji(p) &&
		    addr_is_kanji(n))
			c = CH_KNO;
		cps_push(out, c, in->off[i]);
	}
	/* A trailing dash says nothing (4丁目 = 4-). */
	while (out->n > 0 && out->cp[out->n - 1] == '-')
		out->n--;
}

static size_t
addr_encode_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static void
addr_encode(uint32_t c, char *o)
{
	if (c < 0x80)
		o[0] = (char)c;
	else if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
	} else {
		o[0] = (char)(0xF0 | (c >> 18));
		o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[3] = (char)(0x80 | (c & 0x3F));
	}
}

char *
addr_normalize(const char *in, size_t **srcoff)
{
	struct cps a = {0}, b = {0}, c = {0};
	size_t i, k, len = 0, o = 0, n;
	char *s;

	if (srcoff != NULL)
		*srcoff = NULL;
	if (addr_decode(in, &a) != 0) {
		cps_free(&a);
		return NULL;
	}
	addr_fold(&a, &b);
	a.n = 0;
	addr_numerals(&b, &a);
	b.n = 0;
	addr_marks(&a, &c);
	for (i = 0; i < c.n; i++)
		len += addr_encode_len(c.cp[i]);
	s = xmalloc(len + 1);
	if (srcoff != NULL)
		*srcoff = xreallocarray(NULL, len + 1, sizeof **srcoff);
	for (i = 0; i < c.n; i++) {
		n = addr_encode_len(c.cp[i]);
		addr_encode(c.cp[i], s + o);
		if (srcoff != NULL) {
			for (k = 0; k < n; k++)
				(*srcoff)[o + k] = c.off[i];
		}
		o += n;
	}
	s[len] = '\0';
	if (srcoff != NULL)
		(*srcoff)[len] = strlen(in);
	cps_free(&a);
	cps_free(&b);
	cps_free(&c);
	return s;
}
