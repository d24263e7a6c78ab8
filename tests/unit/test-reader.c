/* Input readers on real export samples (tests/data/reader) and on small
 * inline inputs.  Each input is read to the end and its rows are
 * printed in a compact form compared as one string:
 *
 *   line: name=Ttext name=N ...    a row; the letter gives the type
 *                                  (N null, T text, S string, # number,
 *                                  B bool); \n \r \t \0 \\ escape bytes
 *   bad line:column: reason        READ_BAD_ROW
 *   fatal line:column: reason      READ_FATAL (reading stops)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reader.h"
#include "reader_impl.h"
#include "tap.h"

#define S(lit) lit, sizeof lit - 1

static void
add_escaped(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case '\0': buf_adds(out, "\\0"); break;
		case '\\': buf_adds(out, "\\\\"); break;
		default: buf_addc(out, s[i]); break;
		}
	}
}

static void
add_row(struct buf *out, const struct row *row)
{
	static const char type_letter[] = {
		[FIELD_NULL] = 'N', [FIELD_TEXT] = 'T', [FIELD_STRING] = 'S',
		[FIELD_NUMBER] = '#', [FIELD_BOOL] = 'B'
	};

	buf_addf(out, "%lu:", row->line);
	for (size_t i = 0; i < row->count; i++) {
		const struct field *f = &row->fields[i];

		buf_addc(out, ' ');
		buf_add(out, f->name, f->name_len);
		buf_addc(out, '=');
		buf_addc(out, type_letter[f->type]);
		if (f->type != FIELD_NULL)
			add_escaped(out, f->text, f->len);
		if (f->type != FIELD_NULL && f->text[f->len] != '\0')
			buf_adds(out, "(no NUL)");
	}
	buf_addc(out, '\n');
}

/* Read every row of an open reader into OUT. */
static void
read_rows(struct reader *r, struct buf *out)
{
	struct row row;
	struct reader_error err;
	enum reader_status st;

	while ((st = reader_next(r, &row, &err)) != READ_EOF) {
		if (st == READ_ROW) {
			add_row(out, &row);
			continue;
		}
		buf_addf(out, "%s %lu:%u: %s\n",
		    st == READ_BAD_ROW ? "bad" : "fatal", err.line, err.column,
		    err.reason);
		if (st == READ_FATAL)
			break;
	}
}

/* Open IN and return the dump of everything it reads, or "open
 * line:column: reason" when reader_open fails.  The caller frees. */
static char *
dump_stream(FILE *in, const struct reader_options *opts)
{
	struct buf out = BUF_INIT;
	struct reader_error err;
	struct reader *r = reader_open(in, "test", opts, &err);

	buf_adds(&out, "");
	if (r == NULL) {
		buf_addf(&out, "open %lu:%u: %s\n", err.line, err.column,
		    err.reason);
		return out.data;
	}
	read_rows(r, &out);
	reader_free(r);
	return out.data;
}

static FILE *
open_text(const char *text, size_t len)
{
	FILE *f = tmpfile();

	if (f == NULL || fwrite(text, 1, len, f) != len) {
		perror("tmpfile");
		exit(99);
	}
	rewind(f);
	return f;
}

static char *
dump_text(const char *text, size_t len, const struct reader_options *opts)
{
	FILE *in = open_text(text, len);
	char *s = dump_stream(in, opts);

	fclose(in);
	return s;
}

static char *
dump_file(const char *name, const struct reader_options *opts)
{
	char path[4096];
	FILE *in;
	char *s;

	snprintf(path, sizeof path, "%s/%s", READER_DATA, name);
	in = fopen(path, "rb");
	if (in == NULL) {
		perror(path);
		exit(99);
	}
	s = dump_stream(in, opts);
	fclose(in);
	return s;
}

#define CHECK_TEXT(text, opts, want) do { \
	char *got_ = dump_text(S(text), (opts)); \
	tap_check_str(got_, (want), #text, __FILE__, __LINE__); \
	free(got_); \
} while (0)

#define CHECK_FILE(name, opts, want) do { \
	char *got_ = dump_file((name), (opts)); \
	tap_check_str(got_, (want), (name), __FILE__, __LINE__); \
	free(got_); \
} while (0)

static const struct reader_options auto_opts = {
	.format = FORMAT_AUTO, .delimiter = 0, .null_string = NULL,
	.arrays = ARRAYS_JOIN
};

static void
test_format_detection(void)
{
	static const struct {
		const char *text;
		enum input_format want;
	} cases[] = {
		{ "a,b\n1,2\n", FORMAT_CSV },
		{ "a\tb\n1\t2\n", FORMAT_TSV },
		{ "a\tb,c\n1\t2\n", FORMAT_CSV },
		{ "\xef\xbb\xbf" "a\tb\n", FORMAT_TSV },
		{ "{\"a\":1}\n", FORMAT_NDJSON },
		{ "\xef\xbb\xbf  {\"a\":1}\n", FORMAT_NDJSON },
		{ "\n[{\"a\":1}]", FORMAT_JSON },
		{ "", FORMAT_NDJSON },
		{ "single\n", FORMAT_CSV },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct reader_error err;
		FILE *in = open_text(cases[i].text, strlen(cases[i].text));
		struct reader *r = reader_open(in, "test", &auto_opts, &err);

		CHECK(r != NULL);
		if (r != NULL)
			CHECK(reader_format(r) == cases[i].want);
		reader_free(r);
		fclose(in);
	}
}

static void
test_utf16_refused(void)
{
	const char *want = "open 1:0: input is UTF-16, but only UTF-8 can be "
	    "read; convert it first with 'iconv -f UTF-16 -t UTF-8'\n";

	CHECK_TEXT("\xff\xfei\0d\0\n\0", &auto_opts, want);
	CHECK_TEXT("\xfe\xff\0i\0d\0\n", &auto_opts, want);
	/* Without a byte order mark the hint names the byte order. */
	CHECK_TEXT("i\0d\0,\0n\0\n\0", &auto_opts,
	    "open 1:0: input is UTF-16, but only UTF-8 can be read; convert "
	    "it first with 'iconv -f UTF-16LE -t UTF-8'\n");
	CHECK_TEXT("\0i\0d\0,\0n\0\n", &auto_opts,
	    "open 1:0: input is UTF-16, but only UTF-8 can be read; convert "
	    "it first with 'iconv -f UTF-16BE -t UTF-8'\n");
}

/* Compressed data is named by its magic bytes, with the command that
 * decompresses it; other NUL bytes mean binary data. */
static void
test_binary_refused(void)
{
	CHECK_TEXT("\x1f\x8b\x08\0\0\0\0\0\0\x03", &auto_opts,
	    "open 0:0: input is compressed with gzip; decompress it first, "
	    "e.g. 'gzip -dc test | heap-map ...'\n");
	CHECK_TEXT("\x28\xb5\x2f\xfd\x04\x58", &auto_opts,
	    "open 0:0: input is compressed with zstd; decompress it first, "
	    "e.g. 'zstd -dc test | heap-map ...'\n");
	CHECK_TEXT("\xfd" "7zXZ\0\0\x04", &auto_opts,
	    "open 0:0: input is compressed with xz; decompress it first, "
	    "e.g. 'xz -dc test | heap-map ...'\n");
	CHECK_TEXT("PK\x03\x04\x14\0", &auto_opts,
	    "open 0:0: input is compressed with zip; decompress it first, "
	    "e.g. 'unzip -p test | heap-map ...'\n");
	CHECK_TEXT("BZh91AY&SY\x01", &auto_opts,
	    "open 0:0: input is compressed with bzip2; decompress it first, "
	    "e.g. 'bzip2 -dc test | heap-map ...'\n");
	/* A header that only starts like a magic number is text. */
	CHECK_TEXT("BZh,PK\n1,2\n", &auto_opts, "2: BZh=T1 PK=T2\n");
	CHECK_TEXT("\x7f" "ELF\x02\x01\x01\0\0\0", &auto_opts,
	    "open 1:0: input contains a NUL byte at line 1; it looks like "
	    "binary data, not CSV, TSV or JSON\n");
	CHECK_TEXT("a,b\n1,2\nx\0y,3\n", &auto_opts,
	    "open 3:0: input contains a NUL byte at line 3; it looks like "
	    "binary data, not CSV, TSV or JSON\n");
	CHECK_TEXT("\x9c\x12\0\x80\x01\xfe\n", &auto_opts,
	    "open 1:0: input contains a NUL byte at line 1; it looks like "
	    "binary data, not CSV, TSV or JSON\n");
}

static void
test_empty_input(void)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
		{ "", true },
		{ "\xef\xbb\xbf", true },
		{ "\n", false },
		{ "a\n", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct reader_error err;
		FILE *in = open_text(cases[i].text, strlen(cases[i].text));
		struct reader *r = reader_open(in, "test", &auto_opts, &err);

		CHECK(r != NULL);
		if (r != NULL)
			CHECK(reader_empty(r) == cases[i].want);
		reader_free(r);
		fclose(in);
	}
}

static void
test_csv_samples(void)
{
	/* psql --csv cannot tell NULL from '': both are unquoted empty. */
	CHECK_FILE("psql.csv", &auto_opts,
	    "2: id=T1 name=Talice plan=Tpro ltv=T12.5 "
	    "note=Tline one\\nline two empty=N\n"
	    "4: id=T2 name=Tbob, jr. plan=N "
	    "ltv=T123456789012345678901234567890 note=Tsay \"hi\" empty=N\n"
	    "5: id=T3 name=Tcaf\xc3\xa9 plan=Tfree "
	    "ltv=T0.1000000000000000055511151231257827 note=N empty=Tx\n");
	/* COPY ... CSV writes '' as "" and NULL as nothing. */
	CHECK_FILE("psql-copy.csv", &auto_opts,
	    "2: id=T1 name=Talice plan=Tpro ltv=T12.5 "
	    "note=Tline one\\nline two empty=T\n"
	    "4: id=T2 name=Tbob, jr. plan=N "
	    "ltv=T123456789012345678901234567890 note=Tsay \"hi\" empty=N\n"
	    "5: id=T3 name=Tcaf\xc3\xa9 plan=Tfree "
	    "ltv=T0.1000000000000000055511151231257827 note=N empty=Tx\n");
	CHECK_FILE("sqlite.csv", &auto_opts,
	    "2: id=T1 name=Talice note=Tsay \"hi\" empty=T\n"
	    "3: id=T2 name=Tbob, jr. note=N empty=Tx\n"
	    "4: id=T3 name=Tmulti\\nline note=T\\r\\n empty=N\n");
}

static void
test_csv_layout(void)
{
	CHECK_TEXT("a,b\r\n1,2\r\n3,4\r\n", &auto_opts,
	    "2: a=T1 b=T2\n3: a=T3 b=T4\n");
	CHECK_TEXT("\xef\xbb\xbf" "a,b\n1,2\n", &auto_opts, "2: a=T1 b=T2\n");
	CHECK_TEXT("a,b\n1,2", &auto_opts, "2: a=T1 b=T2\n");
	CHECK_TEXT("a,b\n1,\"x\r\ny\"\r\n", &auto_opts, "2: a=T1 b=Tx\\r\\ny\n");
	CHECK_TEXT("a,b\n1,\"end\"", &auto_opts, "2: a=T1 b=Tend\n");
	CHECK_TEXT("a,b\n\"x,\"\"y\"\"\",\n", &auto_opts,
	    "2: a=Tx,\"y\" b=N\n");
	CHECK_TEXT("a,b\n,\"\"\n", &auto_opts, "2: a=N b=T\n");
	CHECK_TEXT("a,b\n x , y \n", &auto_opts, "2: a=T x  b=T y \n");
	/* Records without a quoted field skip libcsv; both ways agree. */
	CHECK_TEXT("a,b,c\nx\"y, z ,\n\"x\"\"y\",\" z \",\n", &auto_opts,
	    "2: a=Tx\"y b=T z  c=N\n3: a=Tx\"y b=T z  c=N\n");
	CHECK_TEXT("a,b\n1,2\n\n3,4\n", &auto_opts,
	    "2: a=T1 b=T2\n4: a=T3 b=T4\n");
	/* One column: an empty line is an unquoted empty value. */
	CHECK_TEXT("a\n1\n\n\"\"\n", &auto_opts,
	    "2: a=T1\n3: a=N\n4: a=T\n");
	CHECK_TEXT("a\r\n1\r\n\r\n2\r\n", &auto_opts,
	    "2: a=T1\n3: a=N\n4: a=T2\n");
}

/* A quote that is never closed makes the rest of the input one field,
 * so no later row can be read and the reader stops at the line where
 * the quote opened. */
static void
test_csv_open_quote(void)
{
	CHECK_TEXT("a,b\n1,\"open\n", &auto_opts,
	    "fatal 2:0: quoted field that opens on line 2 is not closed by "
	    "the end of the input; look for a stray quote in that row, or "
	    "check whether the input was cut short\n");
	CHECK_TEXT("a,b,c\nu1,pro,6\nu0,pro,\"6\" screen\nu2,a,b\nu3,a,b\n",
	    &auto_opts,
	    "2: a=Tu1 b=Tpro c=T6\n"
	    "fatal 3:0: quoted field that opens on line 3 is not closed by "
	    "the end of the input, 2 lines later; look for a stray quote in "
	    "that row, or check whether the input was cut short\n");
	CHECK_TEXT("a,b\n1,\"x\ny\"\n2,\"cut\nshort", &auto_opts,
	    "2: a=T1 b=Tx\\ny\n"
	    "fatal 4:0: quoted field that opens on line 4 is not closed by "
	    "the end of the input, 1 line later; look for a stray quote in "
	    "that row, or check whether the input was cut short\n");
	CHECK_TEXT("a,b\r\n1,\"x\r\n\r\n", &auto_opts,
	    "fatal 2:0: quoted field that opens on line 2 is not closed by "
	    "the end of the input, 1 line later; look for a stray quote in "
	    "that row, or check whether the input was cut short\n");
	CHECK_TEXT("a,\"b\n1,2\n", &auto_opts,
	    "open 1:0: quoted field that opens on line 1 is not closed by "
	    "the end of the input, 1 line later; look for a stray quote in "
	    "that row, or check whether the input was cut short\n");
}

/* Old Mac files end lines with a lone CR; each counts as one line, and
 * CR LF still counts once. */
static void
test_csv_cr_lines(void)
{
	CHECK_TEXT("a,b,c\r1,2,3\r4,5\r", &auto_opts,
	    "2: a=T1 b=T2 c=T3\n"
	    "bad 3:0: wrong number of fields: the row has 2 but the header "
	    "has 3; check the delimiter (-d) or the quoting in this row\n");
	CHECK_TEXT("a,b\r1,\"x\ry\"\r\r2,3\r", &auto_opts,
	    "2: a=T1 b=Tx\\ry\n5: a=T2 b=T3\n");
	CHECK_TEXT("a,b\r\n1,\"x\r\ny\"\r\n2,3\r\n", &auto_opts,
	    "2: a=T1 b=Tx\\r\\ny\n4: a=T2 b=T3\n");
	CHECK_TEXT("a,b\n1,\"x\n\ny\"\n2,3\n", &auto_opts,
	    "2: a=T1 b=Tx\\n\\ny\n5: a=T2 b=T3\n");
	CHECK_TEXT("a\r1\r\r2\r", &auto_opts, "2: a=T1\n3: a=N\n4: a=T2\n");
}

static void
test_csv_options(void)
{
	struct reader_options semi = {
		.format = FORMAT_CSV, .delimiter = ';', .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};
	struct reader_options null_word = {
		.format = FORMAT_CSV, .delimiter = 0, .null_string = "\\N",
		.arrays = ARRAYS_JOIN
	};

	struct reader_options quote = {
		.format = FORMAT_CSV, .delimiter = '"', .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};

	CHECK_TEXT("a;b\n1,5;2\n", &semi, "2: a=T1,5 b=T2\n");
	CHECK_TEXT("a;b\n\"x;y\";\"\"\n", &semi, "2: a=Tx;y b=T\n");
	CHECK_TEXT("a\"b\n", &quote, "open 0:0: invalid delimiter: a quote "
	    "or a line end cannot separate fields\n");
	/* A null string replaces "unquoted empty is NULL", and a quoted
	 * field equal to it is text, as in PostgreSQL's COPY. */
	CHECK_TEXT("a,b\n\\N,\n", &null_word, "2: a=N b=T\n");
	CHECK_TEXT("a,b\n\"\\N\",x\n", &null_word, "2: a=T\\\\N b=Tx\n");
	CHECK_TEXT("a,b\n\\Nx,\"\"\n", &null_word, "2: a=T\\\\Nx b=T\n");
}

static void
test_csv_hint(void)
{
	struct reader_options csv_opts = {
		.format = FORMAT_CSV, .delimiter = 0, .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};
	struct reader_error err;
	FILE *in = open_text(S("a;b;c\n1;2;3\n"));
	struct reader *r = reader_open(in, "test", &auto_opts, &err);
	struct row row;

	CHECK(r != NULL);
	CHECK_STR(reader_hint(r), "header has one column 'a;b;c'; if the "
	    "file is separated by ';', use -d ';'");
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(row.count == 1);
	reader_free(r);
	fclose(in);

	in = open_text(S("a\tb\n1\t2\n"));
	r = reader_open(in, "test", &csv_opts, &err);
	CHECK(r != NULL);
	CHECK_STR(reader_hint(r), "header has one column 'a?b'; if the file "
	    "is separated by tabs, read it as TSV");
	reader_free(r);
	fclose(in);

	in = open_text(S("a,b\n1,2\n"));
	r = reader_open(in, "test", &auto_opts, &err);
	CHECK(r != NULL);
	if (r != NULL)
		CHECK(reader_hint(r) == NULL);
	reader_free(r);
	fclose(in);
}

static void
test_csv_bad_rows(void)
{
	struct reader_options csv_opts = {
		.format = FORMAT_CSV, .delimiter = 0, .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};

	CHECK_TEXT("a,b,c,d\n1,2,3,4,5\n1,2,3,4\n1\n", &auto_opts,
	    "bad 2:0: wrong number of fields: the row has 5 but the header "
	    "has 4; check the delimiter (-d) or the quoting in this row\n"
	    "3: a=T1 b=T2 c=T3 d=T4\n"
	    "bad 4:0: wrong number of fields: the row has 1 but the header "
	    "has 4; check the delimiter (-d) or the quoting in this row\n");
	CHECK_TEXT("a,b\n1,caf\xe9\n2,ok\n", &auto_opts,
	    "bad 2:2: invalid UTF-8 in column 2 'b'\n3: a=T2 b=Tok\n");
	/* Repeated and empty header names are kept; the mapping decides
	 * whether they matter. */
	CHECK_TEXT("id,name,id\n1,2,3\n", &auto_opts,
	    "2: id=T1 name=T2 id=T3\n");
	CHECK_TEXT("id,,x\n1,2,3\n", &auto_opts, "2: id=T1 =T2 x=T3\n");
	CHECK_TEXT("id,\"\"\n1,2\n", &auto_opts, "2: id=T1 =T2\n");
	CHECK_TEXT("a\tb\ta\t\n1\t2\t3\t4\n", &auto_opts,
	    "2: a=T1 b=T2 a=T3 =T4\n");
	CHECK_TEXT("", &csv_opts, "open 1:0: missing header row: the input "
	    "is empty\n");
}

/* reader_columns returns the header names as written, empty or not. */
static void
test_header_names(void)
{
	FILE *in = open_text(S("id,,id,\"\"\n1,2,3,4\n"));
	struct reader_error err;
	struct reader *r = reader_open(in, "test", &auto_opts, &err);
	const char *const *columns;
	size_t count = 0;

	CHECK(r != NULL);
	if (r == NULL) {
		fclose(in);
		return;
	}
	columns = reader_columns(r, &count);
	CHECK(count == 4);
	if (count == 4) {
		CHECK_STR(columns[0], "id");
		CHECK_STR(columns[1], "");
		CHECK_STR(columns[2], "id");
		CHECK_STR(columns[3], "");
	}
	reader_free(r);
	fclose(in);
}

static void
test_tsv_samples(void)
{
	struct reader_options only_backslash_n = {
		.format = FORMAT_AUTO, .delimiter = 0, .null_string = "\\N",
		.arrays = ARRAYS_JOIN
	};

	CHECK_FILE("mysql-batch.tsv", &auto_opts,
	    "2: id=T1 name=Talice plan=Tpro note=Ttab\\there\\nnew line "
	    "empty=T\n"
	    "3: id=T2 name=Tback\\\\slash plan=N note=N empty=Tx\n"
	    "4: id=T3 name=Tcaf\xc3\xa9 plan=Tfree note=N empty=Ta\\0b\n");
	/* INTO OUTFILE escapes a real tab or newline with a backslash. */
	CHECK_FILE("mysql-outfile.tsv", &auto_opts,
	    "2: id=T1 name=Talice plan=Tpro note=Ttab\\there\\nnew line "
	    "empty=T\n"
	    "4: id=T2 name=Tback\\\\slash plan=N note=N empty=Tx\n"
	    "5: id=T3 name=Tcaf\xc3\xa9 plan=Tfree note=N empty=Ta\\0b\n");
	CHECK_FILE("mysql-outfile.tsv", &only_backslash_n,
	    "2: id=T1 name=Talice plan=Tpro note=Ttab\\there\\nnew line "
	    "empty=T\n"
	    "4: id=T2 name=Tback\\\\slash plan=N note=TNULL empty=Tx\n"
	    "5: id=T3 name=Tcaf\xc3\xa9 plan=Tfree note=N empty=Ta\\0b\n");
	CHECK_FILE("mysql-outfile-latin1.tsv", &auto_opts,
	    "2: id=T1 name=Talice plan=Tpro note=Ttab\\there\\nnew line "
	    "empty=T\n"
	    "4: id=T2 name=Tback\\\\slash plan=N note=N empty=Tx\n"
	    "bad 5:2: invalid UTF-8 in column 2 'name'\n");
}

static void
test_tsv_inline(void)
{
	struct reader_options dash = {
		.format = FORMAT_TSV, .delimiter = 0, .null_string = "-",
		.arrays = ARRAYS_JOIN
	};
	struct reader_options tsv_opts = {
		.format = FORMAT_TSV, .delimiter = 0, .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};

	CHECK_TEXT("a\tb\r\n1\t2\r\n3\t\r\n", &auto_opts,
	    "2: a=T1 b=T2\n3: a=T3 b=T\n");
	CHECK_TEXT("a\tb\nx\\ty\\\\z\\r\t\\N\n", &auto_opts,
	    "2: a=Tx\\ty\\\\z\\r b=N\n");
	CHECK_TEXT("a\tb\n-\tNULL\n\\N\t\n", &dash,
	    "2: a=N b=TNULL\n3: a=TN b=T\n");
	CHECK_TEXT("a\tb\n1\t2\t3\n4\t5", &auto_opts,
	    "bad 2:0: wrong number of fields: the row has 3 but the header "
	    "has 2; check this row for a tab or line end that is not "
	    "escaped with a backslash\n"
	    "3: a=T4 b=T5\n");
	CHECK_TEXT("a\n\nx\n", &tsv_opts, "2: a=T\n3: a=Tx\n");
	CHECK_TEXT("a\tb\n\n1\t2\n", &auto_opts, "3: a=T1 b=T2\n");
	CHECK_TEXT("a\tb\\0c\n", &auto_opts,
	    "open 1:2: header column 2 contains a NUL byte\n");
	CHECK_TEXT("a\ta\n1\t2\n", &auto_opts, "2: a=T1 a=T2\n");
}

static const struct reader_options json_opts = {
	.format = FORMAT_AUTO, .delimiter = 0, .null_string = NULL,
	.arrays = ARRAYS_JSON
};
static const struct reader_options ndjson_opts = {
	.format = FORMAT_NDJSON, .delimiter = 0, .null_string = NULL,
	.arrays = ARRAYS_JOIN
};

static void
test_json_samples(void)
{
	CHECK_FILE("bq.json", &auto_opts,
	    "1: id=S1 name=Salice plan=Spro ltv=S12.5 address.city=SParis "
	    "address.zip=S75001 tags=Sa||b\n"
	    "1: id=S2 name=Sbob plan=N ltv=S123456789012345678901234567890 "
	    "address.city=N address.zip=N tags=N\n");
	CHECK_FILE("bq-pretty.json", &auto_opts,
	    "2: address.city=SParis address.zip=S75001 id=S1 name=Salice "
	    "tags=Sa||b\n"
	    "14: address.city=N address.zip=N id=S2 "
	    "name=Sb\xc3\xb6" "b \"the builder\" tags=N\n");
	CHECK_FILE("duckdb.json", &auto_opts,
	    "1: id=#1 name=Salice ltv=#12.5 active=Btrue tags=Sa||b meta.k=Sv\n"
	    "2: id=#2 name=Sbob ltv=#0.1000000000000000055511151231257827 "
	    "active=Bfalse tags=S1||||{\"x\":1}||[2,3] meta=N\n"
	    "3: id=#123456789012345678901234567890 name=Scaf\xc3\xa9 "
	    "ltv=#-1.5E+300 active=N tags=N\n");
	CHECK_FILE("duckdb.json", &json_opts,
	    "1: id=#1 name=Salice ltv=#12.5 active=Btrue tags=S[\"a\",\"b\"] "
	    "meta.k=Sv\n"
	    "2: id=#2 name=Sbob ltv=#0.1000000000000000055511151231257827 "
	    "active=Bfalse tags=S[1,null,{\"x\":1},[2,3]] meta=N\n"
	    "3: id=#123456789012345678901234567890 name=Scaf\xc3\xa9 "
	    "ltv=#-1.5E+300 active=N tags=N\n");
	CHECK_FILE("users.ndjson", &auto_opts,
	    "1: identity=Su1 plan=Spro ltv=#12.5 address.city=SParis\n"
	    "bad 3:32: duplicate key 'plan'\n"
	    "bad 4:24: invalid JSON: NaN is not a JSON number\n"
	    "5: identity=Su4 ltv=#123456789012345678901234567890 "
	    "ratio=#0.1000000000000000055511151231257827\n"
	    "bad 6:18: invalid JSON: expected ',' or '}'\n"
	    "8: identity=Su6 tags=Sa||2||true||||{\"k\":\"v\"}\n");
}

static void
test_json_values(void)
{
	CHECK_TEXT("{\"a\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
	    &auto_opts, "1: a=Sx\"\\\\/\b\f\\n\\r\\t\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK_TEXT("{\"a\":\"nul\\u0000\"}", &auto_opts, "1: a=Snul\\0\n");
	CHECK_TEXT("{\"a\":1e5,\"b\":-0.5e-3,\"c\":0,\"d\":-0}", &auto_opts,
	    "1: a=#1e5 b=#-0.5e-3 c=#0 d=#-0\n");
	CHECK_TEXT("{\"a\":{},\"b\":{\"c\":{\"d\":true}},\"e\":false}",
	    &auto_opts, "1: b.c.d=Btrue e=Bfalse\n");
	CHECK_TEXT("{}", &auto_opts, "1:\n");
	CHECK_TEXT("{\"t\":[\"a\\\"b\",\"\\u00e9\", 1 , [ ] ,{ }]}",
	    &json_opts, "1: t=S[\"a\\\\\"b\",\"\xc3\xa9\",1,[],{}]\n");
	CHECK_TEXT("{\"t\":[]}", &json_opts, "1: t=S[]\n");
	CHECK_TEXT("{\"t\":[]}", &auto_opts, "1: t=N\n");
	CHECK_TEXT("{\"t\":[ ],\"u\":1}", &auto_opts, "1: t=N u=#1\n");
	CHECK_TEXT("{\"t\":[[]]}", &auto_opts, "1: t=S[]\n");
	CHECK_TEXT("{\"t\":[null]}", &auto_opts, "1: t=S\n");
	CHECK_TEXT("{\"t\":[null,null,\"x\"]}", &auto_opts, "1: t=S||||x\n");
	CHECK_TEXT("{\"\":1}", &auto_opts, "1: =#1\n");
}

static void
test_json_bad_values(void)
{
	CHECK_TEXT("{\"a\":\"\\x\"}", &auto_opts,
	    "bad 1:7: invalid JSON: invalid escape '\\x' in a string\n");
	CHECK_TEXT("{\"a\":\"\\ud800\"}", &auto_opts,
	    "bad 1:7: invalid JSON: lone surrogate '\\ud800' in a string\n");
	CHECK_TEXT("{\"a\":\"\\ud800\\u0041\"}", &auto_opts,
	    "bad 1:7: invalid JSON: lone surrogate '\\ud800' in a string\n");
	CHECK_TEXT("{\"a\":\"x\\udc00\"}", &auto_opts,
	    "bad 1:8: invalid JSON: lone surrogate '\\udc00' in a string\n");
	CHECK_TEXT("{\"a\":\"\\u12\"}", &auto_opts,
	    "bad 1:7: invalid JSON: invalid escape '\\u' needs 4 hex "
	    "digits\n");
	CHECK_TEXT("{\"a\":\"caf\xe9\"}", &auto_opts,
	    "bad 1:6: invalid UTF-8 in the value of 'a'\n");
	CHECK_TEXT("{\"t\":[\"ok\",\"\xff\"]}", &auto_opts,
	    "bad 1:12: invalid UTF-8 in the value of 't'\n");
	CHECK_TEXT("{\"caf\xe9\":1}", &auto_opts,
	    "bad 1:2: invalid UTF-8 in a key\n");
	CHECK_TEXT("{\"a\":Infinity}", &auto_opts,
	    "bad 1:6: invalid JSON: Infinity is not a JSON number\n");
	CHECK_TEXT("{\"a\":-Infinity}", &auto_opts,
	    "bad 1:6: invalid JSON: -Infinity is not a JSON number\n");
	CHECK_TEXT("{\"a\":[NaN]}", &auto_opts,
	    "bad 1:7: invalid JSON: NaN is not a JSON number\n");
	CHECK_TEXT("{\"a\":\"x\ty\"}", &auto_opts,
	    "bad 1:8: invalid JSON: control character in a string must be "
	    "escaped\n");
	CHECK_TEXT("{\"a\":01}", &auto_opts,
	    "bad 1:6: invalid JSON: invalid number\n");
	CHECK_TEXT("{\"a\":1.}", &auto_opts,
	    "bad 1:6: invalid JSON: invalid number\n");
	CHECK_TEXT("{\"a\":-}", &auto_opts,
	    "bad 1:6: invalid JSON: invalid number\n");
	CHECK_TEXT("{\"a\":tru}", &auto_opts,
	    "bad 1:6: invalid JSON: expected a value\n");
	CHECK_TEXT("{\"a\":1\n", &auto_opts,
	    "bad 1:7: invalid JSON: unexpected end of line\n");
	CHECK_TEXT("{\"a\":1} x", &auto_opts,
	    "bad 1:9: invalid JSON: unexpected text after the object\n");
	CHECK_TEXT("{a:1}", &auto_opts,
	    "bad 1:2: invalid JSON: expected a string key\n");
	CHECK_TEXT("{\"a\" 1}", &auto_opts,
	    "bad 1:6: invalid JSON: expected ':' after a key\n");
}

static void
test_json_duplicate_keys(void)
{
	CHECK_TEXT("{\"plan\":1,\"plan\":2}", &auto_opts,
	    "bad 1:11: duplicate key 'plan'\n");
	CHECK_TEXT("{\"a.b\":1,\"a\":{\"b\":2}}", &auto_opts,
	    "bad 1:15: duplicate key 'a.b'\n");
	CHECK_TEXT("{\"a\":{\"b\":2},\"a.b\":1}", &auto_opts,
	    "bad 1:14: duplicate key 'a.b'\n");
	CHECK_TEXT("{\"a\":1,\"a\":{}}", &auto_opts,
	    "bad 1:8: duplicate key 'a'\n");
	CHECK_TEXT("{\"a\":{\"b\":1},\"c\":{\"b\":1}}", &auto_opts,
	    "1: a.b=#1 c.b=#1\n");
	/* Keys of one row do not carry over to the next. */
	CHECK_TEXT("{\"a\":1}\n{\"a\":2}\n", &auto_opts, "1: a=#1\n2: a=#2\n");
}

static void
test_ndjson_lines(void)
{
	CHECK_TEXT("{\"a\":1}\r\n\r\n  \n{\"a\":2}", &auto_opts,
	    "1: a=#1\n4: a=#2\n");
	CHECK_TEXT("{\"a\":}\n{\"a\":2}\n", &auto_opts,
	    "bad 1:6: invalid JSON: expected a value\n2: a=#2\n");
	CHECK_TEXT("[1,2]\n\"s\"\n7\nnull\n{\"a\":1}\n", &ndjson_opts,
	    "bad 1:1: expected a JSON object, found an array\n"
	    "bad 2:1: expected a JSON object, found a string\n"
	    "bad 3:1: expected a JSON object, found a number\n"
	    "bad 4:1: expected a JSON object, found null\n"
	    "5: a=#1\n");
	CHECK_TEXT("{\"a\":1}\n{\"b\":\n2}\n", &auto_opts,
	    "1: a=#1\nbad 2:6: invalid JSON: unexpected end of line\n"
	    "bad 3:1: expected a JSON object, found a number\n");
}

/* A last line that has no line end and stops inside the object means
 * an input cut short.  With a line end it is one bad row. */
static void
test_ndjson_cut_short(void)
{
	const char *want = "1: a=#1\nfatal 2:9: invalid JSON: the input ends "
	    "inside the object on its last line; check whether the input "
	    "was cut short\n";

	CHECK_TEXT("{\"a\":1}\n{\"a\":\"xy", &auto_opts, want);
	CHECK_TEXT("{\"a\":1}\n{\"a\":\"xy", &ndjson_opts, want);
	CHECK_TEXT("{\"a\":1}\n{\"a\":\"xy\n", &auto_opts,
	    "1: a=#1\nbad 2:9: invalid JSON: unexpected end of line\n");
	CHECK_TEXT("{\"a\":1}\n{\"a\":1} x", &auto_opts,
	    "1: a=#1\nbad 2:9: invalid JSON: unexpected text after the "
	    "object\n");
}

static void
test_json_array_errors(void)
{
	struct reader_options array_opts = {
		.format = FORMAT_JSON, .delimiter = 0, .null_string = NULL,
		.arrays = ARRAYS_JOIN
	};

	CHECK_TEXT("[]", &auto_opts, "");
	CHECK_TEXT(" [ ]\n\n", &auto_opts, "");
	CHECK_TEXT("[{\"a\":1},2,{\"b\":\"x\"},{\"a\":1,\"a\":2},{\"a\":1,}]",
	    &auto_opts,
	    "1: a=#1\n"
	    "bad 1:10: expected a JSON object, found a number\n"
	    "1: b=Sx\n"
	    "bad 1:29: duplicate key 'a'\n"
	    "bad 1:43: invalid JSON: expected a string key\n");
	CHECK_TEXT("[{\"a\":1},{\"a\":2]", &auto_opts,
	    "1: a=#1\nfatal 1:16: invalid JSON: unexpected ']'\n");
	CHECK_TEXT("[{\"a\":1} {\"a\":2}]", &auto_opts,
	    "1: a=#1\nfatal 1:10: invalid JSON: expected ',' or ']' after "
	    "an array element\n");
	CHECK_TEXT("[{\"a\":1}", &auto_opts,
	    "1: a=#1\nfatal 1:9: invalid JSON: the input ends inside the "
	    "array\n");
	CHECK_TEXT("[{\"a\":1},]", &auto_opts,
	    "1: a=#1\nfatal 1:10: invalid JSON: expected an array element\n");
	CHECK_TEXT("[{\"a\":1}]\n x", &auto_opts,
	    "1: a=#1\nfatal 2:2: invalid JSON: unexpected text after the "
	    "array\n");
	CHECK_TEXT("[\n {\"a\":\"x}]\n", &auto_opts,
	    "fatal 3:1: invalid JSON: the input ends inside an array "
	    "element\n");
	CHECK_TEXT("{\"a\":1}", &array_opts,
	    "fatal 1:1: invalid JSON: expected '[' to start the array\n");
	CHECK_TEXT("", &array_opts,
	    "fatal 1:1: missing JSON array: the input is empty\n");
	CHECK_TEXT(" \n", &array_opts,
	    "fatal 2:1: invalid JSON: the input ends inside the array\n");
}

/* Open TEXT, which must read without errors, and return the reader. */
static struct reader *
open_ok(FILE **in, const char *text, size_t len,
    const struct reader_options *opts)
{
	struct reader_error err;
	struct reader *r;

	*in = open_text(text, len);
	r = reader_open(*in, "test", opts, &err);
	if (r == NULL)
		printf("# reader_open failed: %s\n", err.reason);
	return r;
}

static void
test_field_positions(void)
{
	FILE *in;
	struct reader *r = open_ok(&in, S("[\n  {\n    \"a\": 1,\n"
	    "    \"b\": {\"c\": \"x\"}\n  },\n  {\"d\": [1]}\n]\n"), &auto_opts);
	struct reader_error err;
	struct row row;

	CHECK(r != NULL);
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(row.line == 2);
	CHECK(row.count == 2);
	CHECK(row.fields[0].line == 3);
	CHECK(row.fields[0].column == 10);
	CHECK(row.fields[1].line == 4);
	CHECK(row.fields[1].column == 16);
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(row.line == 6);
	CHECK(row.fields[0].line == 6);
	CHECK(row.fields[0].column == 9);
	CHECK(reader_next(r, &row, &err) == READ_EOF);
	reader_free(r);
	fclose(in);

	r = open_ok(&in, S("a,b\n1,\"x\ny\"\n2,3\n"), &auto_opts);
	CHECK(r != NULL);
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(row.line == 2);
	CHECK(row.fields[1].column == 2);
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(row.line == 4);
	CHECK(row.fields[1].line == 4);
	reader_free(r);
	fclose(in);
}

/* Read the first row of TEXT and return its raw text as a string. */
static char *
first_raw(const char *text, size_t len, const struct reader_options *opts)
{
	FILE *in;
	struct reader *r = open_ok(&in, text, len, opts);
	struct reader_error err;
	struct row row;
	char *raw = NULL;
	enum reader_status st = r ? reader_next(r, &row, &err) : READ_EOF;

	if (st == READ_ROW)
		raw = strndup(row.raw, row.raw_len);
	else if (st == READ_BAD_ROW && err.raw != NULL)
		raw = strndup(err.raw, err.raw_len);
	reader_free(r);
	fclose(in);
	return raw;
}

#define CHECK_RAW(text, opts, want) do { \
	char *raw_ = first_raw(S(text), (opts)); \
	tap_check_str(raw_, (want), "raw of " #text, __FILE__, __LINE__); \
	free(raw_); \
} while (0)

static void
test_raw_text(void)
{
	CHECK_RAW("a,b\r\n1,\"x\r\ny\"\r\n", &auto_opts, "1,\"x\r\ny\"");
	CHECK_RAW("a,b\n1,2,3\n", &auto_opts, "1,2,3");
	CHECK_RAW("a\tb\nx\\\ny\t2\n", &auto_opts, "x\\\ny\t2");
	CHECK_RAW("a\tb\r\n1\t2\r\n", &auto_opts, "1\t2");
	CHECK_RAW("{\"a\": 1}\r\n", &auto_opts, "{\"a\": 1}");
	CHECK_RAW("{\"a\":1,\"a\":2}\n", &auto_opts, "{\"a\":1,\"a\":2}");
	CHECK_RAW("[ {\"a\":\n1} , 2]", &auto_opts, "{\"a\":\n1}");
	CHECK_RAW("[\"x\", 2]", &auto_opts, "\"x\"");
}

static void
test_nesting_limit(void)
{
	struct buf text = BUF_INIT;
	char *got;

	for (int i = 0; i < 600; i++)
		buf_adds(&text, "{\"a\":");
	buf_adds(&text, "1");
	for (int i = 0; i < 600; i++)
		buf_addc(&text, '}');
	buf_adds(&text, "\n{\"b\":[[[[1]]]]}\n");
	got = dump_text(text.data, text.len, &json_opts);
	CHECK_STR(got, "bad 1:2561: objects and arrays are nested deeper "
	    "than 512 levels\n2: b=S[[[[1]]]]\n");
	free(got);
	buf_release(&text);
}

/* Inputs several times larger than the read buffer: rows that cross a
 * refill must come out whole, and the buffer must not grow. */
static void
test_large_inputs(void)
{
	static const struct {
		const char *header, *row, *footer;
		unsigned lines_per_row;
	} cases[] = {
		{ "id,note\n", "%d,\"two\nlines, \"\"quoted\"\"\"\n", "", 2 },
		{ "id\tnote\n", "%d\ttwo\\\nlines\\t\n", "", 2 },
		{ "", "{\"id\":%d,\"note\":\"two lines, \\\"quoted\\\"\"}\n",
		    "", 1 },
		{ "[\n", "  {\n    \"id\": %d,\n    \"note\": \"x\"\n  },\n",
		    "  {\"id\": -1}\n]\n", 4 },
	};
	const int rows = 60000;

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct buf text = BUF_INIT;
		struct reader_error err;
		struct row row;
		FILE *in;
		struct reader *r;
		enum reader_status st;
		int count = 0;
		bool ids_in_order = true;
		unsigned long want_line;

		buf_adds(&text, cases[c].header);
		for (int i = 0; i < rows; i++)
			buf_addf(&text, cases[c].row, i);
		buf_adds(&text, cases[c].footer);
		r = open_ok(&in, text.data, text.len, &auto_opts);
		CHECK(r != NULL);
		CHECK(text.len > 4 * READER_CHUNK);
		if (r == NULL)
			continue;

		while ((st = reader_next(r, &row, &err)) == READ_ROW) {
			if (count < rows && (row.count != 2 ||
			    atoi(row.fields[0].text) != count))
				ids_in_order = false;
			want_line = (cases[c].header[0] ? 2 : 1) +
			    (unsigned long)count * cases[c].lines_per_row;
			if (row.line != want_line)
				ids_in_order = false;
			count++;
		}
		CHECK(st == READ_EOF);
		CHECK(ids_in_order);
		CHECK(count == rows + (cases[c].footer[0] ? 1 : 0));
		CHECK(r->cap == READER_CHUNK);
		reader_free(r);
		fclose(in);
		buf_release(&text);
	}
}

static void
test_row_size_limit(void)
{
	struct buf text = BUF_INIT;
	struct reader_error err;
	struct row row;
	FILE *in;
	struct reader *r;

	buf_adds(&text, "a,b\n1,2\n3,\"");
	for (int i = 0; i < 3 * READER_CHUNK / 8; i++)
		buf_adds(&text, "no end, ");
	r = open_ok(&in, text.data, text.len, &auto_opts);
	CHECK(r != NULL);
	r->max_row = READER_CHUNK;
	CHECK(reader_next(r, &row, &err) == READ_ROW);
	CHECK(reader_next(r, &row, &err) == READ_FATAL);
	CHECK(err.line == 3);
	CHECK_STR(err.reason, "row starting at line 3 is longer than 262144 "
	    "bytes; "
	    "check for an unterminated quote or bracket");
	reader_free(r);
	fclose(in);
	buf_release(&text);
}

/* Rows reuse the previous row's keys while they match; any change in
 * the keys, their nesting or their count must still be seen. */
static void
test_json_key_reuse(void)
{
	CHECK_TEXT("{\"a\":{\"b\":1}}\n{\"a\":1,\"b\":2}\n{\"a\":{\"b\":3}}\n",
	    &auto_opts, "1: a.b=#1\n2: a=#1 b=#2\n3: a.b=#3\n");
	CHECK_TEXT("{\"a\":1,\"b\":2,\"c\":3}\n{\"a\":1,\"b\":2}\n"
	    "{\"a\":1,\"b\":2,\"a\":3}\n", &auto_opts,
	    "1: a=#1 b=#2 c=#3\n2: a=#1 b=#2\nbad 3:14: duplicate key 'a'\n");
	CHECK_TEXT("{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2,\"b\":3}\n", &auto_opts,
	    "1: a=#1 b=#2\nbad 2:14: duplicate key 'b'\n");
	CHECK_TEXT("{\"a\\u0062\":1}\n{\"ab\":2}\n{\"a\\u0062\":3,\"ab\":4}\n",
	    &auto_opts, "1: ab=#1\n2: ab=#2\nbad 3:14: duplicate key 'ab'\n");
	CHECK_TEXT("{\"a\":1,\"b\":2}\n{\"a\":1,\"b\":2,\"c\\x\":3}\n"
	    "{\"a\":1,\"b\":2,\"c\":3}\n", &auto_opts,
	    "1: a=#1 b=#2\n"
	    "bad 2:16: invalid JSON: invalid escape '\\x' in a string\n"
	    "3: a=#1 b=#2 c=#3\n");
	CHECK_TEXT("{\"x\":1,\"y\":2}\n{\"x\":1,\"z\":2,\"y\":3}\n", &auto_opts,
	    "1: x=#1 y=#2\n2: x=#1 z=#2 y=#3\n");
	CHECK_TEXT("{\"a\":{\"b\":1},\"c\":{\"b\":2}}\n"
	    "{\"a\":{\"b\":1},\"c\":{\"d\":2}}\n{\"a\":{\"b\":1,\"c\":{\"d\":2}}}\n",
	    &auto_opts, "1: a.b=#1 c.b=#2\n2: a.b=#1 c.d=#2\n3: a.b=#1 a.c.d=#2\n");
	CHECK_TEXT("{\"ab\":1}\n{\"a\":2}\n{\"ab\":3}\n", &auto_opts,
	    "1: ab=#1\n2: a=#2\n3: ab=#3\n");
	CHECK_TEXT("{\"a\":1,\"b\":{\"c\":2}}\n{\"a\":1,\"b.c\":2,\"b\":{\"c\":3}}\n",
	    &auto_opts, "1: a=#1 b.c=#2\nbad 2:21: duplicate key 'b.c'\n");
}

static void
test_ndjson_pretty_hint(void)
{
	FILE *in;
	struct reader *r = open_ok(&in, S("{\n  \"a\": 1\n}\n"), &auto_opts);
	struct reader_error err;
	struct row row;

	CHECK(r != NULL);
	CHECK(reader_hint(r) == NULL);
	CHECK(reader_next(r, &row, &err) == READ_BAD_ROW);
	CHECK_STR(reader_hint(r), "line 1 contains only '{', but NDJSON needs "
	    "one whole object per line; pretty-printed JSON can be "
	    "converted with 'jq -c .'");
	reader_free(r);
	fclose(in);

	r = open_ok(&in, S("{\"a\":}\n"), &auto_opts);
	CHECK(r != NULL);
	CHECK(reader_next(r, &row, &err) == READ_BAD_ROW);
	CHECK(reader_hint(r) == NULL);
	reader_free(r);
	fclose(in);
}

int
main(void)
{
	test_format_detection();
	test_utf16_refused();
	test_binary_refused();
	test_empty_input();
	test_csv_samples();
	test_csv_layout();
	test_csv_open_quote();
	test_csv_cr_lines();
	test_csv_options();
	test_csv_hint();
	test_csv_bad_rows();
	test_header_names();
	test_tsv_samples();
	test_tsv_inline();
	test_json_samples();
	test_json_values();
	test_json_bad_values();
	test_json_duplicate_keys();
	test_json_key_reuse();
	test_ndjson_lines();
	test_ndjson_cut_short();
	test_ndjson_pretty_hint();
	test_json_array_errors();
	test_field_positions();
	test_raw_text();
	test_nesting_limit();
	test_large_inputs();
	test_row_size_limit();
	return tap_done();
}
