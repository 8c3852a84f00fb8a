// SPDX-License-Identifier: GPL-2.0
/*
 * The vmlinux inside a bzImage: the setup header's payload_offset/payload_length locate the
 * compressed kernel, which Debian 12 and 13 build with CONFIG_KERNEL_XZ (xz, x86 BCJ filter,
 * CRC32) and sid's 7.x with CONFIG_KERNEL_ZSTD. liblzma and libzstd (Debian's -dev packages)
 * decode it in process: no temporary files, no fork of xz, a memory limit on the decoder, and a
 * precise error when the stream is corrupt. The decompressed size is the little-endian word the
 * kernel build appends after the stream.
 *
 * The two libraries are loaded on first use (dlopen), not at every launch: a test guest never
 * decompresses anything, and ld.so mapping and relocating them (libzstd alone is 760 KiB) was
 * about 5 ms of a launch in the box. They are in every Debian system (dpkg needs both). A static
 * mirrorvm (meson -Dstatic_pie, MIRRORVM_STATIC_DECODERS) has them linked in instead: there is
 * no ld.so to load them, and their pages are only read when a bzImage is decompressed.
 */
#ifndef MIRRORVM_STATIC_DECODERS
#include <dlfcn.h>
#endif
#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <zstd.h>
#include <stdlib.h>
#include <string.h>

#include "boot_linux.h"

#define VMLINUX_MAX (512u << 20)

static const char *compressor(const uint8_t *p, size_t n)
{
	static const struct {
		const char *name;
		uint8_t magic[4];
		unsigned int len;
	} kinds[] = {
		{ "gzip", { 0x1f, 0x8b }, 2 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "lzma", { 0x5d, 0x00, 0x00 }, 3 },
		{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
		{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	};

	for (unsigned int i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= kinds[i].len && !memcmp(p, kinds[i].magic, kinds[i].len))
			return kinds[i].name;
	return NULL;
}

#define LIBLZMA "liblzma.so.5"
#define LIBZSTD "libzstd.so.1"

#ifdef MIRRORVM_STATIC_DECODERS
#define DECODER(soname, sym) (&sym)
#else
#define DECODER(soname, sym) decoder_sym(soname, #sym)

/* name from soname, or NULL; the handle stays open for the process's lifetime. */
static void *decoder_sym(const char *soname, const char *name)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	return h ? dlsym(h, name) : NULL;
}
#endif

static int unxz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	lzma_ret (*decoder)(lzma_stream *, uint64_t, uint32_t) =
		DECODER(LIBLZMA, lzma_stream_decoder);
	lzma_ret (*code)(lzma_stream *, lzma_action) = DECODER(LIBLZMA, lzma_code);
	void (*end)(lzma_stream *) = DECODER(LIBLZMA, lzma_end);
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	if (!decoder || !code || !end)
		return -ELIBACC;
	if (decoder(&s, 256u << 20, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = out_len;
	r = code(&s, LZMA_FINISH);
	end(&s);
	if (r != LZMA_STREAM_END || s.avail_out)
		return -ENOEXEC;
	return 0;
}

/* A zstd frame decodes to exactly out_len bytes, or the payload is corrupt. */
static int unzstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	size_t (*decompress)(void *, size_t, const void *, size_t) =
		DECODER(LIBZSTD, ZSTD_decompress);
	unsigned int (*is_error)(size_t) = DECODER(LIBZSTD, ZSTD_isError);
	size_t n;

	if (!decompress || !is_error)
		return -ELIBACC;
	n = decompress(out, out_len, in, in_len);
	return is_error(n) || n != out_len ? -EBADMSG : 0;
}

static const char *decode_error(int ret, bool zstd)
{
	if (ret == -ELIBACC)
		return zstd ? "cannot load " LIBZSTD : "cannot load " LIBLZMA;
	if (ret == -ENOMEM)
		return "liblzma decoder init failed";
	return zstd ? "corrupt zstd payload" : "corrupt xz payload";
}

int bzimage_extract_vmlinux(const void *img, size_t size, void **out, size_t *out_size,
			    const char **why)
{
	static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	int (*decode)(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) = unxz;
	struct bzimage_hdr h;
	const uint8_t *p;
	uint32_t len;
	uint8_t *buf;
	int ret;

	ret = bzimage_parse(img, size, &h, why);
	if (ret)
		return ret;
	p = (const uint8_t *)img + h.setup_size + h.payload_offset;
	if (h.payload_length < sizeof(xz_magic) + 4) {
		*why = "payload too short";
		return -ENOEXEC;
	}
	if (!memcmp(p, zstd_magic, sizeof(zstd_magic))) {
		decode = unzstd;
	} else if (memcmp(p, xz_magic, sizeof(xz_magic))) {
		*why = compressor(p, h.payload_length);
		if (*why)
			return -ENOTSUP;
		*why = "payload in an unknown format";
		return -ENOEXEC;
	}
	memcpy(&len, p + h.payload_length - 4, 4);
	if (!len || len > VMLINUX_MAX) {
		*why = "implausible decompressed size";
		return -ENOEXEC;
	}
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	ret = decode(p, h.payload_length - 4, buf, len);
	if (ret) {
		free(buf);
		*why = decode_error(ret, decode == unzstd);
		return ret;
	}
	*out = buf;
	*out_size = len;
	return 0;
}
