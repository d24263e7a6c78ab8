/* heap-map: turn a warehouse export into Heap records, one NDJSON line
 * per row, for heap-diff and heap-send. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mapping.h"
#include "msg.h"
#include "reader.h"
#include "report.h"
#include "utf8.h"

/* Output is written in blocks of about this size. */
#define OUTPUT_BLOCK (256 * 1024)
/* Rejected rows reported one by one on stderr before only counting. */
#define SHOWN_REJECTS 10

enum {
	OPT_EVENT_NAME = 256, OPT_SET, OPT_NULL_STRING, OPT_ARRAYS,
	OPT_NULLS, OPT_LONG_VALUES, OPT_BIG_NUMBERS, OPT_TIMEZONE, OPT_STATS,
	OPT_RENAME, OPT_MAX_REJECTS, OPT_UNBUFFERED, OPT_NO_SUMMARY
};

static const char short_options[] = ":o:k:e:t:i:m:x:f:d:r:qvhV";

static const struct option long_options[] = {
	{ "object", required_argument, NULL, 'o' },
	{ "key", required_argument, NULL, 'k' },
	{ "event", required_argument, NULL, 'e' },
	{ "event-name", required_argument, NULL, OPT_EVENT_NAME },
	{ "timestamp", required_argument, NULL, 't' },
	{ "insert-id", required_argument, NULL, 'i' },
	{ "map", required_argument, NULL, 'm' },
	{ "exclude", required_argument, NULL, 'x' },
	{ "rename", required_argument, NULL, OPT_RENAME },
	{ "set", required_argument, NULL, OPT_SET },
	{ "from", required_argument, NULL, 'f' },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "null-string", required_argument, NULL, OPT_NULL_STRING },
	{ "arrays", required_argument, NULL, OPT_ARRAYS },
	{ "nulls", required_argument, NULL, OPT_NULLS },
	{ "long-values", required_argument, NULL, OPT_LONG_VALUES },
	{ "big-numbers", required_argument, NULL, OPT_BIG_NUMBERS },
	{ "timezone", required_argument, NULL, OPT_TIMEZONE },
	{ "rejects", required_argument, NULL, 'r' },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "max-rejects", required_argument, NULL, OPT_MAX_REJECTS },
	{ "unbuffered", no_argument, NULL, OPT_UNBUFFERED },
	{ "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static const char help_text[] =
"Usage: heap-map -o user|account -k COLUMN [OPTION]... [FILE]\n"
"       heap-map -o event -k COLUMN -e COLUMN|--event-name NAME -t COLUMN\n"
"                [OPTION]... [FILE]\n"
"Turn CSV, TSV, NDJSON or JSON rows from FILE (or standard input) into\n"
"Heap records, one JSON object per line on standard output.\n"
"\n"
"Records:\n"
"  -o, --object TYPE        user, account or event (required)\n"
"  -k, --key COLUMN         identity (users, events) or account_id column\n"
"  -e, --event COLUMN       column holding the event name\n"
"      --event-name NAME    the same event name for every row\n"
"  -t, --timestamp COLUMN   event time column (required for events)\n"
"  -i, --insert-id COLUMN   idempotency key column; by default a hash of\n"
"                           the identity, event, timestamp and properties\n"
"Properties (default: every other column, under its own name):\n"
"  -m, --map COLUMN[:TYPE][=PROPERTY]\n"
"                           send COLUMN (only mapped columns once any -m\n"
"                           is given); TYPE: string, number, bool,\n"
"                           timestamp or json\n"
"  -x, --exclude COLUMN     do not send COLUMN\n"
"      --rename COLUMN[:TYPE]=PROPERTY\n"
"                           send COLUMN as PROPERTY and leave the other\n"
"                           columns as they are\n"
"      --set PROPERTY=VALUE add a constant string property to each record\n"
"Input:\n"
"  -f, --from FORMAT        csv, tsv, ndjson or json (default: detect)\n"
"  -d, --delimiter CHAR     CSV field delimiter (default: ',')\n"
"      --null-string TEXT   text that means NULL in CSV or TSV\n"
"      --arrays MODE        JSON arrays: join (with \"||\") or json\n"
"      --timezone ZONE      zone of timestamps without one (default: UTC)\n"
"Output:\n"
"      --unbuffered         write each record as soon as it is made\n"
"                           (default: write in blocks)\n"
"Values:\n"
"      --nulls MODE         skip NULL values (default) or send them as empty\n"
"      --long-values MODE   truncate (default) or reject values over 1023\n"
"                           characters\n"
"      --big-numbers MODE   send numbers a double cannot hold as a string\n"
"                           (default) or reject the row\n"
"Reporting:\n"
"  -r, --rejects FILE       append rejected rows to FILE as NDJSON\n"
"      --stats FILE         write the read, written and rejected counts\n"
"      --max-rejects N|P%   fail (exit 3) when more than N rows, or more\n"
"                           than P percent of the rows read, are rejected\n"
"      --no-summary         print warnings and errors, but no progress or\n"
"                           summary line (for a caller that prints its own)\n"
"  -q, --quiet              print errors only\n"
"  -v, --verbose            print notes too\n"
"  -h, --help               print this help and exit\n"
"  -V, --version            print the version and exit\n"
"\n"
"Exit status: 0 all rows written, 1 some rows rejected, 2 usage error,\n"
"3 unreadable input, failed write or more rejects than --max-rejects.\n";

/* Reason classes counted one by one for the summary line.  Classes seen
 * after these are counted together as "other reasons". */
#define REASON_CLASSES 8

/* Rejected rows that share one reason class, for the summary line. */
struct reason_count {
	char reason_class[96];
	unsigned long count;
};

/* --max-rejects: the maximum number or share of rejected rows. */
struct reject_limit {
	const char *text;    /* the argument as given, or NULL without the option */
	bool percent;        /* SHARE applies, not COUNT */
	unsigned long count;
	double share;        /* percent of the rows read, 0 to 100 */
};

struct config {
	struct mapping_options map;
	struct reader_options read;
	const char **maps, **renames, **excludes, **constants;
	size_t map_count, rename_count, exclude_count, constant_count;
	const char *rejects_path;
	const char *stats_path;
	const char *input_path;
	struct reject_limit max_rejects;
	bool unbuffered;
	bool no_summary;
};

struct run {
	struct reader *reader;
	struct mapping *mapping;
	struct rejects rejects;
	struct buf out;
	unsigned long read, written;
	const struct reject_limit *max_rejects;
	bool unbuffered;             /* write each record at once */
	unsigned long stopped_line;  /* row at which --max-rejects N stopped */
	bool usage_error;            /* a row did not fit the options */
	struct reason_count reasons[REASON_CLASSES];
	size_t reason_count;
	unsigned long other_reasons; /* rejects past REASON_CLASSES classes */
	bool progress;          /* stderr is a terminal and not --quiet */
	bool progress_visible;  /* a progress line is on the terminal now */
	struct timespec started, last_shown;
};

/* Join the NULL-terminated WORDS as "a, b or c" for a usage message. */
static const char *
list_words(const char *const *words)
{
	static char list[128];
	size_t used = 0;

	list[0] = '\0';
	for (int i = 0; words[i]; i++) {
		const char *sep = ", ";

		if (i == 0)
			sep = "";
		else if (words[i + 1] == NULL)
			sep = " or ";

		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
		    sep, words[i]);
		if (used >= sizeof list)
			break;
	}
	return list;
}

/* Return the index of ARG in the NULL-terminated WORDS, or exit 2. */
static int
choose(const char *option, const char *arg, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	usage_hint("invalid value '%s' for --%s; use %s", arg, option,
	    list_words(words));
}

static const char *const objects[] = { "user", "account", "event", NULL };
static const char *const formats[] = { "csv", "tsv", "ndjson", "json", NULL };
static const char *const array_modes[] = { "join", "json", NULL };
static const char *const null_modes[] = { "skip", "empty", NULL };
static const char *const long_modes[] = { "truncate", "reject", NULL };
static const char *const big_modes[] = { "string", "reject", NULL };

static void
parse_reject_limit(struct reject_limit *l, const char *arg)
{
	size_t len = strlen(arg);
	char *end;

	l->text = arg;
	l->percent = len > 0 && arg[len - 1] == '%';
	errno = 0;
	if (l->percent) {
		l->share = strtod(arg, &end);
		if (end == arg || end != arg + len - 1 || !(l->share >= 0) ||
		    l->share > 100)
			usage_hint("invalid --max-rejects '%s'; give a count of "
			    "rows or a percentage from 0%% to 100%%", arg);
		return;
	}
	l->count = strtoul(arg, &end, 10);
	if (len == 0 || strspn(arg, "0123456789") != len || errno)
		usage_hint("invalid --max-rejects '%s'; give a count of rows "
		    "or a percentage such as 5%%", arg);
}

static void
parse_option(struct config *c, int opt, const char *arg)
{
	switch (opt) {
	case 'o': c->map.object = choose("object", arg, objects); break;
	case 'k': c->map.key_column = arg; break;
	case 'e': c->map.event_column = arg; break;
	case OPT_EVENT_NAME: c->map.event_name = arg; break;
	case 't': c->map.timestamp_column = arg; break;
	case 'i': c->map.insert_id_column = arg; break;
	case 'm': c->maps[c->map_count++] = arg; break;
	case 'x': c->excludes[c->exclude_count++] = arg; break;
	case OPT_RENAME: c->renames[c->rename_count++] = arg; break;
	case OPT_SET: c->constants[c->constant_count++] = arg; break;
	case 'f': c->read.format = FORMAT_CSV + choose("from", arg, formats); break;
	case 'd':
		if (strcmp(arg, "\\t") == 0)
			usage_hint("invalid delimiter '\\t'; for tab-separated "
			    "input use -f tsv");
		if (strlen(arg) != 1)
			usage_hint("invalid delimiter '%s'; give one character",
			    arg);
		c->read.delimiter = arg[0];
		break;
	case OPT_NULL_STRING: c->read.null_string = arg; break;
	case OPT_ARRAYS:
		c->read.arrays = choose("arrays", arg, array_modes);
		c->map.arrays = c->read.arrays;
		break;
	case OPT_NULLS: c->map.nulls = choose("nulls", arg, null_modes); break;
	case OPT_LONG_VALUES:
		c->map.long_values = choose("long-values", arg, long_modes);
		break;
	case OPT_BIG_NUMBERS:
		c->map.big_numbers = choose("big-numbers", arg, big_modes);
		break;
	case OPT_TIMEZONE: c->map.zone_name = arg; break;
	case 'r': c->rejects_path = arg; break;
	case OPT_STATS: c->stats_path = arg; break;
	case OPT_MAX_REJECTS: parse_reject_limit(&c->max_rejects, arg); break;
	case OPT_NO_SUMMARY:
		c->no_summary = true;
		break;
	case OPT_UNBUFFERED:
		c->unbuffered = true;
		c->read.unbuffered = true;
		break;
	case 'q': msg_set_level(MSG_QUIET); break;
	case 'v': msg_set_level(MSG_VERBOSE); break;
	case 'h':
		fputs(help_text, stdout);
		exit(close_stdout(EXIT_OK));
	case 'V':
		printf("heap-map (heapsync) %s\n", HEAPSYNC_VERSION);
		exit(close_stdout(EXIT_OK));
	default:
		usage_hint("invalid command line");
	}
}

/* Check that the options make sense together. */
static void
check_config(struct config *c, bool object_given)
{
	struct mapping_options *m = &c->map;
	char reason[256];

	if (!object_given)
		usage_hint("missing -o user|account|event");
	if (m->key_column == NULL)
		usage_hint("missing -k COLUMN: the column holding the %s",
		    m->object == OBJECT_ACCOUNT ? "account_id" : "identity");
	if (m->object == OBJECT_EVENT) {
		if (!m->event_column == !m->event_name)
			usage_hint("events need exactly one of -e COLUMN and "
			    "--event-name NAME");
		if (m->event_name && *m->event_name == '\0')
			usage_hint("--event-name must not be empty");
		if (m->event_name && !utf8_valid(m->event_name,
		    strlen(m->event_name)))
			usage_hint("--event-name is not valid UTF-8");
		if (m->timestamp_column == NULL)
			usage_hint("events need -t COLUMN: Heap requires the "
			    "time of each event");
	} else if (m->event_column || m->event_name || m->timestamp_column ||
	    m->insert_id_column) {
		usage_hint("-e, --event-name, -t and -i apply only to -o event");
	}
	if (c->read.delimiter && c->read.format != FORMAT_CSV &&
	    c->read.format != FORMAT_AUTO)
		usage_hint("-d applies only to CSV input; %s",
		    c->read.format == FORMAT_TSV ? "TSV is always "
		    "tab-separated" : "JSON has no delimiter");

	m->zone_given = m->zone_name != NULL;
	if (m->zone_name == NULL)
		m->zone_name = "UTC";
	if (!time_zone_parse(m->zone_name, &m->zone, reason, sizeof reason))
		usage_hint("invalid --timezone '%s': %s", m->zone_name, reason);
}

static void
parse_args(struct config *c, int argc, char **argv)
{
	bool object_given = false;
	int opt;

	c->maps = xcalloc((size_t)argc, sizeof *c->maps);
	c->renames = xcalloc((size_t)argc, sizeof *c->renames);
	c->excludes = xcalloc((size_t)argc, sizeof *c->excludes);
	c->constants = xcalloc((size_t)argc, sizeof *c->constants);
	while ((opt = getopt_long(argc, argv, short_options, long_options,
	    NULL)) != -1) {
		if (opt == '?' || opt == ':')
			usage_bad_option(opt, argv);
		object_given |= opt == 'o';
		parse_option(c, opt, optarg);
	}

	if (argc - optind > 1)
		usage_hint("too many arguments; give at most one input file");
	c->input_path = optind < argc ? argv[optind] : "-";
	check_config(c, object_given);
}

static struct mapping *
make_mapping(struct config *c)
{
	struct mapping *m = mapping_new(&c->map);

	for (size_t i = 0; i < c->map_count; i++)
		mapping_add_map(m, c->maps[i]);
	for (size_t i = 0; i < c->rename_count; i++)
		mapping_add_rename(m, c->renames[i]);
	for (size_t i = 0; i < c->exclude_count; i++)
		mapping_add_exclude(m, c->excludes[i]);
	for (size_t i = 0; i < c->constant_count; i++)
		mapping_add_constant(m, c->constants[i]);
	mapping_check(m);
	return m;
}

/* Erase the progress line so that the next message starts on a clean
 * line.  msg calls it before every message, mapping warnings included. */
static void
clear_progress(void *arg)
{
	struct run *r = arg;

	if (!r->progress_visible)
		return;
	fputs("\r\033[K", stderr);
	r->progress_visible = false;
}

/* Remove a trailing "in column" or "of column" from the LEN bytes of OUT,
 * whose column name or number was just left out; returns whether it did. */
static bool
drop_column_words(char *out, size_t *len)
{
	static const char *const words[] = {
		" in header column", " in column", " of column", NULL
	};

	while (*len && out[*len - 1] == ' ')
		(*len)--;
	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);

		if (*len >= n && memcmp(out + *len - n, words[i], n) == 0) {
			*len -= n;
			return true;
		}
	}
	return false;
}

/* Write to OUT the class of REASON: the text before any ':', ';' or '('
 * detail, without quoted values or the column they are in, and with other
 * numbers as N.  So "value 'x' in column 'n' is not a number" and the
 * same message about another value count as "value is not a number". */
static void
classify_reason(const char *reason, char *out, size_t size)
{
	size_t len = 0;

	for (const char *p = reason; *p && !strchr(":;(", *p); p++) {
		if (*p == '\'') {
			const char *close = strchr(p + 1, '\'');

			if (close == NULL)
				break;
			p = close;
			drop_column_words(out, &len);
			continue;
		}
		if (isdigit((unsigned char)*p) && (p == reason || p[-1] == ' ')) {
			while (isdigit((unsigned char)p[1]))
				p++;
			if (!drop_column_words(out, &len) && len + 3 < size) {
				memcpy(out + len, len ? " N" : "N", len ? 2 : 1);
				len += len ? 2 : 1;
			}
			continue;
		}
		if ((unsigned char)*p < 0x20 ||
		    (*p == ' ' && (len == 0 || out[len - 1] == ' ')))
			continue;
		if (len + 1 < size)
			out[len++] = *p;
	}
	while (len && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

/* Count a rejected row under the class of REASON, keeping the classes
 * ordered from the most to the least frequent. */
static void
count_reason(struct run *r, const char *reason)
{
	struct reason_count found;
	size_t i;

	classify_reason(reason, found.reason_class, sizeof found.reason_class);
	for (i = 0; i < r->reason_count; i++)
		if (strcmp(r->reasons[i].reason_class, found.reason_class) == 0)
			break;
	if (i == r->reason_count) {
		if (i == REASON_CLASSES) {
			r->other_reasons++;
			return;
		}
		found.count = 0;
		r->reasons[r->reason_count++] = found;
	}

	r->reasons[i].count++;
	for (; i > 0 && r->reasons[i - 1].count < r->reasons[i].count; i--) {
		found = r->reasons[i - 1];
		r->reasons[i - 1] = r->reasons[i];
		r->reasons[i] = found;
	}
}

/* Append " (7 timestamp is null, 3 identity is empty)" to B. */
static void
add_reason_counts(struct buf *b, const struct run *r)
{
	if (r->reason_count == 0)
		return;
	buf_adds(b, " (");
	for (size_t i = 0; i < r->reason_count; i++)
		buf_addf(b, "%s%lu %s", i ? ", " : "", r->reasons[i].count,
		    r->reasons[i].reason_class[0] ?
		    r->reasons[i].reason_class : "unknown reason");
	if (r->other_reasons)
		buf_addf(b, ", %lu other reason%s", r->other_reasons,
		    r->other_reasons == 1 ? "" : "s");
	buf_addc(b, ')');
}

static void
report_reject(struct run *r, const char *file, unsigned long line,
    unsigned column, const char *reason, const char *raw, size_t raw_len)
{
	struct reject_entry e = { file, line, column, 0, reason, raw, raw_len };

	rejects_add(&r->rejects, &e);
	count_reason(r, reason);
	if (r->rejects.count > SHOWN_REJECTS)
		return;
	if (column)
		error("%s:%lu:%u: %s", file, line, column, reason);
	else
		error("%s:%lu: %s", file, line, reason);
	if (r->rejects.count == SHOWN_REJECTS)
		error("further rejected rows are counted but not shown%s",
		    r->rejects.path ? " here" : "; use -r FILE to keep them");
}

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Show rows read and the rate on a terminal, at most four times a second. */
static void
show_progress(struct run *r)
{
	struct timespec now;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (seconds_between(&r->last_shown, &now) < 0.25)
		return;
	r->last_shown = now;
	elapsed = seconds_between(&r->started, &now);
	fprintf(stderr, "\r%s: %lu rows read, %.0f rows/s\033[K",
	    msg_program(), r->read, elapsed > 0 ? r->read / elapsed : 0.0);
	r->progress_visible = true;
}

/* With --unbuffered, each record goes to standard output in one write
 * as soon as it is made, for a slow consumer or a person watching.  The
 * reader then also hands out each row as soon as it arrives. */
static void
start_output(struct run *r, bool unbuffered)
{
	r->unbuffered = unbuffered;
	if (unbuffered)
		setvbuf(stdout, NULL, _IONBF, 0);
}

static void
flush_output(struct run *r)
{
	if (r->out.len && fwrite(r->out.data, 1, r->out.len, stdout) !=
	    r->out.len)
		fatal(EXIT_INPUT, "cannot write standard output: %s",
		    strerror(errno));
	buf_reset(&r->out);
}

/* A count given to --max-rejects, once passed, fails the run whatever
 * follows, so reading on would only delay the failure. */
static bool
passed_reject_count(const struct run *r)
{
	const struct reject_limit *l = r->max_rejects;

	return l->text && !l->percent && r->rejects.count > l->count;
}

/* Stop at a row that does not fit the options.  The records of the rows
 * before it are still written. */
static bool
stop_mapping(struct run *r, const char *name, unsigned long line,
    const char *reason)
{
	error("%s:%lu: %s", name, line, reason);
	r->usage_error = true;
	return true;
}

/* Map every row; returns false after a fatal reader error. */
static bool
map_rows(struct run *r, const char *name)
{
	struct row row;
	struct reader_error rerr;
	struct mapping_error merr = { 0 };
	enum reader_status status;

	while ((status = reader_next(r->reader, &row, &rerr)) != READ_EOF) {
		if (status == READ_FATAL) {
			error("%s:%lu: %s", name, rerr.line, rerr.reason);
			return false;
		}
		r->read++;
		if (status == READ_BAD_ROW)
			report_reject(r, name, rerr.line, rerr.column,
			    rerr.reason, rerr.raw, rerr.raw_len);
		else if (mapping_apply(r->mapping, &row, &r->out, &merr))
			r->written++;
		else if (merr.stop)
			return stop_mapping(r, name, row.line, merr.reason);
		else
			report_reject(r, name, row.line, merr.column,
			    merr.reason, row.raw, row.raw_len);
		if (passed_reject_count(r)) {
			r->stopped_line = status == READ_ROW ? row.line :
			    rerr.line;
			break;
		}

		if (r->out.len >= OUTPUT_BLOCK || r->unbuffered)
			flush_output(r);
		if (r->progress && (r->read & 4095) == 0)
			show_progress(r);
	}
	return true;
}

static const char *const format_names[] = {
	[FORMAT_AUTO] = "input", [FORMAT_CSV] = "CSV", [FORMAT_TSV] = "TSV",
	[FORMAT_NDJSON] = "NDJSON", [FORMAT_JSON] = "a JSON array"
};

static FILE *
open_input(const char *path, const char **name)
{
	FILE *in;

	if (strcmp(path, "-") == 0) {
		*name = "<stdin>";
		return stdin;
	}
	*name = path;
	in = fopen(path, "r");
	if (in == NULL)
		fatal(EXIT_INPUT, "cannot open '%s': %s", path, strerror(errno));
	return in;
}

static void
start_reader(struct run *r, FILE *in, const char *name,
    const struct reader_options *opts)
{
	struct reader_error err;
	const char *const *columns;
	size_t count;

	r->reader = reader_open(in, name, opts, &err);
	if (r->reader == NULL) {
		if (err.line)
			fatal(EXIT_INPUT, "%s:%lu: %s", name, err.line,
			    err.reason);
		fatal(EXIT_INPUT, "%s: %s", name, err.reason);
	}
	/* A failed export in a pipeline without pipefail often leaves an
	 * empty input, so warn instead of ending silently.  The other
	 * formats stop at an empty input with an error of their own. */
	if (reader_empty(r->reader) &&
	    reader_format(r->reader) == FORMAT_NDJSON)
		warn("%s: input is empty; no rows to map", name);
	columns = reader_columns(r->reader, &count);
	if (count) {
		note("%s: reading %s with %zu columns", name,
		    format_names[reader_format(r->reader)], count);
		mapping_bind_header(r->mapping, columns, count,
		    reader_hint(r->reader));
	} else {
		note("%s: reading %s", name,
		    format_names[reader_format(r->reader)]);
	}
}

/* Report and return false when more rows were rejected than
 * --max-rejects allows. */
static bool
check_reject_limit(const struct run *r, const struct reject_limit *l)
{
	unsigned long rejected = r->rejects.count;
	double share = r->read ? 100.0 * (double)rejected / (double)r->read : 0;
	bool over = l->percent ? share > l->share : rejected > l->count;

	if (l->text == NULL || !over)
		return true;
	if (r->stopped_line)
		error("%lu of %lu rows rejected (%.3g%%), more than "
		    "--max-rejects %s; stopped reading at line %lu", rejected,
		    r->read, share, l->text, r->stopped_line);
	else
		error("%lu of %lu rows rejected (%.3g%%), more than "
		    "--max-rejects %s", rejected, r->read, share, l->text);
	return false;
}

static int
finish(struct run *r, const struct config *c, bool input_ok)
{
	unsigned long rejected = r->rejects.count;
	struct stat_counter counters[] = {
		{ "read", &r->read }, { "written", &r->written },
		{ "rejected", &rejected }
	};
	int status = EXIT_OK;

	clear_progress(r);
	flush_output(r);
	/* A record counts as written only once it reached the output. */
	if (fflush(stdout) != 0)
		fatal(EXIT_INPUT, "cannot write standard output: %s",
		    strerror(errno));
	mapping_warn_unseen(r->mapping);
	/* The summary line gives the total, unless --quiet leaves it out. */
	if (rejected > SHOWN_REJECTS && msg_get_level() < MSG_NORMAL)
		error("%lu rejected rows in all", rejected);
	if (rejected && reader_hint(r->reader))
		error("%s: %s", c->map.input_name, reader_hint(r->reader));
	if (msg_get_level() >= MSG_NORMAL && !c->no_summary) {
		struct buf reasons = BUF_INIT;

		add_reason_counts(&reasons, r);
		fprintf(stderr, "%s: read %lu row%s, wrote %lu record%s, "
		    "rejected %lu%s\n", msg_program(), r->read,
		    r->read == 1 ? "" : "s", r->written,
		    r->written == 1 ? "" : "s", rejected,
		    reasons.data ? reasons.data : "");
		buf_release(&reasons);
	}

	if (rejected)
		status = EXIT_REJECTED;
	if (!input_ok || !check_reject_limit(r, &c->max_rejects))
		status = EXIT_INPUT;
	if (r->usage_error)
		status = EXIT_USAGE;
	if (!rejects_close(&r->rejects) ||
	    !stats_write(c->stats_path, counters, 3))
		status = EXIT_INPUT;
	return close_stdout(status);
}

int
main(int argc, char **argv)
{
	struct config config = { .map.object = OBJECT_USER };
	struct run run = { 0 };
	const char *name;
	FILE *in;
	bool ok;
	int status;

	msg_init(argv[0]);
	parse_args(&config, argc, argv);
	in = open_input(config.input_path, &name);
	config.map.input_name = name;
	run.mapping = make_mapping(&config);
	rejects_open(&run.rejects, config.rejects_path);
	run.max_rejects = &config.max_rejects;
	start_output(&run, config.unbuffered);

	start_reader(&run, in, name, &config.read);
	run.progress = msg_get_level() >= MSG_NORMAL && !config.no_summary &&
	    isatty(STDERR_FILENO);
	msg_before_each(clear_progress, &run);
	clock_gettime(CLOCK_MONOTONIC, &run.started);
	run.last_shown = run.started;
	/* NOTE: SIGINT and SIGTERM keep their default action here, so a
	 * signal ends heap-map without its summary or --stats file. */
	ok = map_rows(&run, name);
	/* NDJSON counts every line that is not blank as read, so nothing
	 * read from a non-empty input means only white space. */
	if (ok && run.read == 0 && !reader_empty(run.reader) &&
	    reader_format(run.reader) == FORMAT_NDJSON)
		warn("%s: input contains only white space; no rows to map",
		    name);
	status = finish(&run, &config, ok);

	msg_before_each(NULL, NULL);
	reader_free(run.reader);
	if (in != stdin)
		fclose(in);
	mapping_free(run.mapping);
	buf_release(&run.out);
	free(config.maps);
	free(config.renames);
	free(config.excludes);
	free(config.constants);
	return status;
}
