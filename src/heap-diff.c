/* heap-diff: pass on only the Heap records that Heap does not have yet,
 * according to the state file.  With --commit, record what Heap accepted. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canon.h"
#include "lines.h"
#include "msg.h"
#include "report.h"
#include "state.h"

/* A commit transaction ends after this many records or milliseconds,
 * whichever comes first.  Keys arrive in random order, so a transaction
 * of many records rewrites most pages of table 'records' once, and
 * larger transactions write each page fewer times. */
#define BATCH_RECORDS 100000
#define BATCH_MS 1000

/* Bytes of standard output buffered between writes. */
#define OUTPUT_BUFFER (64 * 1024)

/* Per-record messages after this many are counted but not printed. */
#define MAX_RECORD_MESSAGES 100

/* Low bit of a key slot's properties hash: the key was already seen in
 * this run.  Properties hashes are compared with this bit cleared. */
#define SEEN UINT64_C(1)

static const char usage_text[] =
	"Usage: heap-diff -s STATE [OPTION]... [FILE]\n"
	"       heap-diff -s STATE --commit [OPTION]... [FILE]\n"
	"Pass on the Heap records (NDJSON) of FILE or standard input that Heap\n"
	"does not have yet according to STATE; with --commit, record in STATE\n"
	"the records Heap accepted.\n"
	"\n"
	"  -s, --state FILE     state file (SQLite), created on first use\n"
	"  -c, --commit         record the input (heap-send's output) in STATE\n"
	"  -f, --full           pass every record, ignoring STATE (full resync)\n"
	"  -t, --type TYPE      expect records of TYPE: user, account or event\n"
	"  -r, --rejects FILE   append rejected and duplicate records to FILE\n"
	"      --stats FILE     write the counters to FILE as name=value lines\n"
	"  -q, --quiet          print no warnings and no summary\n"
	"  -v, --verbose        print notes on what is done\n"
	"  -h, --help           print this help and exit\n"
	"  -V, --version        print the version and exit\n"
	"\n"
	"Exit status: 0 ok, 1 some records rejected or duplicated, 2 usage,\n"
	"3 input or state error, 5 interrupted.  See heap-diff(1).\n";

enum { OPT_STATS = 256 };

static const struct option options[] = {
	{ "state", required_argument, NULL, 's' },
	{ "commit", no_argument, NULL, 'c' },
	{ "full", no_argument, NULL, 'f' },
	{ "type", required_argument, NULL, 't' },
	{ "rejects", required_argument, NULL, 'r' },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct run {
	const char *state_path;
	bool commit;
	bool full;
	enum object_type type;     /* of this run's records, once known */
	enum object_type state_type;
	const char *stats_path;
	const char *input_name;
	struct rejects rejects;
	unsigned long line;
	unsigned long messages;
	unsigned long read, new, changed, unchanged, duplicates, rejected;
	unsigned long passed, committed;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

static void
parse_args(struct run *run, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, ":s:cft:r:qvhV", options,
	    NULL)) != -1) {
		switch (c) {
		case 's': run->state_path = optarg; break;
		case 'c': run->commit = true; break;
		case 'f': run->full = true; break;
		case 't':
			run->type = object_type_parse(optarg);
			if (run->type == OBJECT_NONE)
				usage_hint("invalid --type '%s'; use user, account "
				    "or event", optarg);
			break;
		case 'r': run->rejects.path = optarg; break;
		case OPT_STATS: run->stats_path = optarg; break;
		case 'q': msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h':
			fputs(usage_text, stdout);
			exit(close_stdout(EXIT_OK));
		case 'V':
			printf("heap-diff (heapsync) %s\n", HEAPSYNC_VERSION);
			exit(close_stdout(EXIT_OK));
		default:
			usage_bad_option(c, argv);
		}
	}
	if (run->state_path == NULL)
		usage_hint("missing --state FILE");
	if (argc - optind > 1)
		usage_hint("too many arguments; give at most one input FILE");
}

/* Report one dropped record on stderr and in the rejects file. */
static void
reject(struct run *run, const char *line, size_t len, const char *reason,
    bool duplicate)
{
	if (++run->messages <= MAX_RECORD_MESSAGES) {
		if (duplicate)
			warn("%s:%lu: %s", run->input_name, run->line, reason);
		else
			error("%s:%lu: %s", run->input_name, run->line, reason);
	} else if (run->messages == MAX_RECORD_MESSAGES + 1) {
		warn("%s: more records dropped; the summary counts them all",
		    run->input_name);
	}
	rejects_add(&run->rejects, &(struct reject_entry){
	    .file = run->input_name, .line = run->line, .reason = reason,
	    .raw = line, .raw_len = len });
}

/* Parse LINE into D and check its type; returns false after rejecting
 * it.  The first record of a type other than the state's ends the run:
 * the whole stream is for another state file. */
static bool
digest(struct run *run, struct record_digest *d, const char *line,
    size_t len)
{
	char why[300];

	if (!record_digest_parse(d, line, len, why, sizeof why)) {
		run->rejected++;
		reject(run, line, len, why, false);
		return false;
	}
	if (run->type == OBJECT_NONE)
		run->type = d->type;
	if (d->type == run->type)
		return true;

	if (run->read - run->rejected == 1 && run->state_type != OBJECT_NONE)
		fatal(EXIT_INPUT, "state '%s' is for %s records, but %s:%lu is "
		    "%s %s record; give each object type its own state file",
		    run->state_path, object_type_name(run->type),
		    run->input_name, run->line,
		    d->type == OBJECT_ACCOUNT || d->type == OBJECT_EVENT ?
		    "an" : "a", object_type_name(d->type));
	if (run->read - run->rejected == 1)
		fatal(EXIT_INPUT, "--type is %s, but %s:%lu is %s %s record",
		    object_type_name(run->type), run->input_name, run->line,
		    d->type == OBJECT_ACCOUNT || d->type == OBJECT_EVENT ?
		    "an" : "a", object_type_name(d->type));
	snprintf(why, sizeof why, "%s record in a stream of %s records",
	    object_type_name(d->type), object_type_name(run->type));
	run->rejected++;
	reject(run, line, len, why, false);
	return false;
}

static bool
blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

/* Decide whether D passes, counting it under one of new, changed,
 * unchanged or duplicates. */
static bool
classify(struct run *run, struct key_table *seen,
    const struct record_digest *d, const char *line, size_t len)
{
	uint64_t props = d->props_hash & ~SEEN;
	struct key_slot *slot;
	char why[300];
	bool added;

	slot = key_table_upsert(seen,
	    key_table_key(canon_key_hash(d->key, d->key_len)), &added);
	if (added) {
		run->new++;
		slot->props = SEEN;
		return true;
	}
	if (slot->props & SEEN) {
		run->duplicates++;
		snprintf(why, sizeof why, "duplicate %s '%.200s'; only its first "
		    "record in this input is passed", object_key_field(d->type),
		    d->key);
		reject(run, line, len, why, true);
		return false;
	}

	/* A committed event is never sent again; a committed user or
	 * account is sent again when its properties changed. */
	if (d->type == OBJECT_EVENT || slot->props == props) {
		slot->props |= SEEN;
		run->unchanged++;
		return false;
	}
	slot->props |= SEEN;
	run->changed++;
	return true;
}

/* Count LINE as unchanged without parsing it when it is, byte for byte,
 * the line last committed for its key, which is the common case when
 * heap-map's output has not changed.  The key is only guessed from the
 * text, but a wrong guess finds a slot whose committed line differs, so
 * the line takes the full path.  NOTE: as with keys, two lines whose
 * 64-bit hashes collide are taken as the same. */
static bool
unchanged_line(struct run *run, struct key_table *seen, const char *line,
    size_t len)
{
	struct key_slot *slot;
	const char *key;
	size_t key_len;
	uint64_t table_key, line_hash;

	if (run->type == OBJECT_NONE ||
	    !canon_guess_key(line, len, run->type, &key, &key_len))
		return false;

	/* The slot is almost never in the cache: fetch it while the line is
	 * hashed. */
	table_key = key_table_key(canon_key_hash(key, key_len));
	__builtin_prefetch(&seen->slots[table_key & seen->mask]);
	line_hash = canon_line_hash(line, len);
	slot = key_table_find(seen, table_key);
	if (slot == NULL || (slot->props & SEEN) || slot->line != line_hash)
		return false;

	slot->props |= SEEN;
	run->unchanged++;
	return true;
}

static int
run_diff(struct run *run, struct state *st, struct line_reader *in)
{
	struct record_digest d = RECORD_DIGEST_INIT;
	struct key_table seen;
	enum line_status status;
	const char *line;
	size_t len;

	if (run->full)
		key_table_init(&seen, 0);
	else
		state_load(st, &seen);

	while ((status = line_reader_next(in, &line, &len, -1)) != LINE_EOF) {
		if (status == LINE_INTERRUPTED && !interrupted)
			continue;
		if (status != LINE_OK)
			break;
		run->line++;
		if (blank(line, len))
			continue;
		run->read++;
		if (unchanged_line(run, &seen, line, len) ||
		    !digest(run, &d, line, len) ||
		    !classify(run, &seen, &d, line, len))
			continue;
		fwrite(line, 1, len, stdout);
		putchar('\n');
		run->passed++;
	}

	record_digest_release(&d);
	key_table_release(&seen);
	return status;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
run_commit(struct run *run, struct state *st, struct line_reader *in)
{
	struct record_digest d = RECORD_DIGEST_INIT;
	enum line_status status;
	long long deadline = 0;
	unsigned long batch = 0;
	const char *line;
	size_t len;

	for (;;) {
		int timeout = -1;

		if (state_in_transaction(st)) {
			long long left = deadline - now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		status = line_reader_next(in, &line, &len, timeout);
		if (status == LINE_TIMEOUT) {
			state_commit(st);
			continue;
		}
		if (status == LINE_INTERRUPTED && !interrupted)
			continue;
		if (status != LINE_OK)
			break;

		run->line++;
		if (blank(line, len))
			continue;
		run->read++;
		if (!digest(run, &d, line, len))
			continue;
		if (!state_in_transaction(st)) {
			state_begin(st);
			deadline = now_ms() + BATCH_MS;
			batch = 0;
		}
		if (!state_put(st, &d)) {
			run->rejected++;
			reject(run, line, len, "record of another type than the "
			    "state", false);
			continue;
		}
		run->committed++;
		if (++batch >= BATCH_RECORDS)
			state_commit(st);
	}

	if (state_in_transaction(st))
		state_commit(st);
	record_digest_release(&d);
	return status;
}

static void
print_summary(const struct run *run)
{
	if (msg_get_level() < MSG_NORMAL)
		return;
	if (run->commit)
		fprintf(stderr, "%s: read %lu, committed %lu, rejected %lu\n",
		    msg_program(), run->read, run->committed, run->rejected);
	else
		fprintf(stderr, "%s: read %lu, new %lu, changed %lu, unchanged "
		    "%lu, duplicates %lu, rejected %lu\n", msg_program(),
		    run->read, run->new, run->changed, run->unchanged,
		    run->duplicates, run->rejected);
}

static bool
write_stats(const struct run *run)
{
	const struct stat_counter diff[] = {
		{ "read", &run->read }, { "new", &run->new },
		{ "changed", &run->changed }, { "unchanged", &run->unchanged },
		{ "duplicates", &run->duplicates },
		{ "rejected", &run->rejected }, { "passed", &run->passed },
	};
	const struct stat_counter commit[] = {
		{ "read", &run->read }, { "committed", &run->committed },
		{ "rejected", &run->rejected },
	};

	if (run->commit)
		return stats_write(run->stats_path, commit,
		    sizeof commit / sizeof commit[0]);
	return stats_write(run->stats_path, diff, sizeof diff / sizeof diff[0]);
}

static int
open_input(struct run *run, int argc, char **argv)
{
	int fd;

	if (optind == argc || strcmp(argv[optind], "-") == 0) {
		run->input_name = "<stdin>";
		return STDIN_FILENO;
	}
	run->input_name = argv[optind];
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal(EXIT_INPUT, "cannot open '%s': %s", argv[optind],
		    strerror(errno));
	return fd;
}

static void
catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a blocked read returns so the run can end cleanly,
	 * committing what it has. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct run run = { 0 };
	struct line_reader in;
	struct state *st;
	int status, code = EXIT_OK;

	msg_init(argv[0]);
	parse_args(&run, argc, argv);
	line_reader_init(&in, open_input(&run, argc, argv));
	catch_signals();
	rejects_open(&run.rejects, run.rejects.path);

	if (!run.commit)
		state_lock(run.state_path);
	st = state_open(run.state_path, run.type);
	run.state_type = state_type(st);
	if (run.type != OBJECT_NONE && run.state_type != OBJECT_NONE &&
	    run.type != run.state_type)
		fatal(EXIT_INPUT, "state '%s' is for %s records, not %s records; "
		    "give each object type its own state file", run.state_path,
		    object_type_name(run.state_type),
		    object_type_name(run.type));
	if (run.type == OBJECT_NONE)
		run.type = run.state_type;

	setvbuf(stdout, NULL, _IOFBF, OUTPUT_BUFFER);
	status = run.commit ? run_commit(&run, st, &in) :
	    run_diff(&run, st, &in);
	state_close(st);
	line_reader_release(&in);

	if (status == LINE_ERROR) {
		error("cannot read '%s': %s", run.input_name, strerror(errno));
		code = EXIT_INPUT;
	} else if (interrupted) {
		error("interrupted by signal %d; the state is consistent",
		    (int)interrupted);
		code = EXIT_INTERRUPTED;
	} else if (run.rejected + run.duplicates > 0) {
		code = EXIT_REJECTED;
	}
	print_summary(&run);
	if (!rejects_close(&run.rejects) | !write_stats(&run))
		code = code == EXIT_OK || code == EXIT_REJECTED ? EXIT_INPUT : code;
	return close_stdout(code);
}
