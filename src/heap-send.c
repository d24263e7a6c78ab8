/* heap-send: deliver Heap records (NDJSON) to Heap's bulk APIs and print
 * the records Heap accepted. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "report.h"
#include "sender.h"

#define ENDPOINT_US "https://heapanalytics.com"
#define ENDPOINT_EU "https://c.eu.heap-api.com"

enum {
	OPT_ENDPOINT = 256, OPT_REGION, OPT_MAX_REQUEST_BYTES, OPT_BATCH_SIZE,
	OPT_LINGER, OPT_EVENTS_PER_MINUTE, OPT_EVENTS_PER_IDENTITY,
	OPT_LIMIT_WINDOW, OPT_TIMEOUT, OPT_MAX_RETRIES, OPT_RETRY_BASE_MS,
	OPT_RETRY_MAX_MS, OPT_GRACE, OPT_DRY_RUN, OPT_DRY_RUN_OUTPUT,
	OPT_STATS, OPT_NO_PROGRESS, OPT_TRACE
};

static const struct option long_options[] = {
	{ "app-id", required_argument, NULL, 'a' },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-request-bytes", required_argument, NULL, OPT_MAX_REQUEST_BYTES },
	{ "batch-size", required_argument, NULL, OPT_BATCH_SIZE },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "events-per-minute", required_argument, NULL, OPT_EVENTS_PER_MINUTE },
	{ "events-per-identity-per-minute", required_argument, NULL,
	  OPT_EVENTS_PER_IDENTITY },
	{ "limit-window", required_argument, NULL, OPT_LIMIT_WINDOW },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-retries", required_argument, NULL, OPT_MAX_RETRIES },
	{ "retry-base-ms", required_argument, NULL, OPT_RETRY_BASE_MS },
	{ "retry-max-ms", required_argument, NULL, OPT_RETRY_MAX_MS },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "rejects", required_argument, NULL, 'r' },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "dry-run-output", required_argument, NULL, OPT_DRY_RUN_OUTPUT },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
usage(void)
{
	printf("Usage: heap-send [OPTION]... [FILE]...\n"
	    "Send Heap records (NDJSON, one per line) to Heap's bulk APIs and\n"
	    "print each record Heap accepted.  With no FILE, or when FILE is -,\n"
	    "read standard input.\n"
	    "\n"
	    "  -a, --app-id ID          Heap app id (default: $HEAP_APP_ID)\n"
	    "      --endpoint URL       API base URL (default: $HEAP_ENDPOINT, or\n"
	    "                           " ENDPOINT_US ")\n"
	    "      --region us|eu       use Heap's US or EU endpoint\n"
	    "  -j, --jobs N             requests in flight (default 4)\n"
	    "      --max-request-bytes N  max body size in bytes (default 1048576)\n"
	    "      --batch-size N       max records per request, 1-1000 (default 1000)\n"
	    "      --linger MS          send a partial batch after MS ms (default 500)\n"
	    "      --events-per-minute N  max events per app per window (default\n"
	    "                           15000; 0 turns app pacing off)\n"
	    "      --events-per-identity-per-minute N  max events per identity per\n"
	    "                           window (default 1000; 0 turns it off)\n"
	    "      --limit-window SEC   length of the pacing window (default 60)\n"
	    "      --timeout SEC        timeout of one request (default 30)\n"
	    "      --max-retries N      retries of a failing request (default 8)\n"
	    "      --retry-base-ms MS   first backoff step (default 500)\n"
	    "      --retry-max-ms MS    longest backoff step (default 30000)\n"
	    "      --grace SEC          wait for requests in flight after SIGINT,\n"
	    "                           SIGTERM or SIGHUP (default 5)\n"
	    "  -r, --rejects FILE       append rejected and failed records to FILE\n"
	    "      --dry-run            send nothing; print the requests on stderr\n"
	    "      --dry-run-output FILE  with --dry-run, print the requests to FILE\n"
	    "      --stats FILE         write counters to FILE at exit\n"
	    "      --no-progress        no progress line on a terminal\n"
	    "      --trace              print libcurl's trace of each transfer\n"
	    "  -q, --quiet              no warnings, no summary\n"
	    "  -v, --verbose            log each request\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Exit status: 0 all delivered, 1 some records rejected or failed,\n"
	    "2 usage error, 3 input or output error, 4 nothing could be\n"
	    "delivered, 5 interrupted.\n");
	exit(EXIT_OK);
}

static unsigned long
parse_count(const char *option, const char *text, unsigned long min,
    unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end != '\0' || text[0] == '-' ||
	    v < min || v > max)
		usage_hint("invalid %s '%s': expected a whole number from %lu "
		    "to %lu", option, text, min, max);
	return v;
}

static double
parse_seconds(const char *option, const char *text, double min)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end != '\0' || !(v >= min) || v > 86400)
		usage_hint("invalid %s '%s': expected seconds from %g to 86400",
		    option, text, min);
	return v;
}

static void
on_signal(int sig)
{
	(void)sig;
	send_interrupted = 1;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closing terminal or ssh session sends SIGHUP to the whole
	 * pipeline, and the records Heap accepted must still be printed. */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

struct settings {
	struct send_options send;
	const char *region;
	const char *rejects_path;
	const char *dry_run_path;
	const char *stats_path;
	bool dry_run;
	bool no_progress;
};

static void
parse_options(int argc, char **argv, struct settings *set)
{
	struct send_options *o = &set->send;
	int c;

	while ((c = getopt_long(argc, argv, ":a:j:r:qvhV", long_options,
	    NULL)) != -1) {
		switch (c) {
		case 'a': o->app_id = optarg; break;
		case OPT_ENDPOINT: o->endpoint = optarg; break;
		case OPT_REGION: set->region = optarg; break;
		case 'j':
			o->jobs = (unsigned)parse_count("--jobs", optarg, 1, 64);
			break;
		case OPT_MAX_REQUEST_BYTES:
			o->max_request_bytes = parse_count("--max-request-bytes",
			    optarg, 64, 100UL << 20);
			break;
		case OPT_BATCH_SIZE:
			o->batch_size = (unsigned)parse_count("--batch-size",
			    optarg, 1, 1000);
			break;
		case OPT_LINGER:
			o->linger_ms = (long)parse_count("--linger", optarg, 0,
			    3600000);
			break;
		case OPT_EVENTS_PER_MINUTE:
			o->events_per_window = parse_count("--events-per-minute",
			    optarg, 0, ULONG_MAX / 2);
			break;
		case OPT_EVENTS_PER_IDENTITY:
			o->events_per_identity = parse_count(
			    "--events-per-identity-per-minute", optarg, 0,
			    ULONG_MAX / 2);
			break;
		case OPT_LIMIT_WINDOW:
			o->limit_window = parse_seconds("--limit-window", optarg,
			    0.1);
			break;
		case OPT_TIMEOUT:
			o->timeout_ms = (long)(parse_seconds("--timeout", optarg,
			    0.001) * 1000);
			break;
		case OPT_MAX_RETRIES:
			o->max_retries = (unsigned)parse_count("--max-retries",
			    optarg, 0, 100);
			break;
		case OPT_RETRY_BASE_MS:
			o->retry_base_ms = (long)parse_count("--retry-base-ms",
			    optarg, 1, 3600000);
			break;
		case OPT_RETRY_MAX_MS:
			o->retry_max_ms = (long)parse_count("--retry-max-ms",
			    optarg, 1, 3600000);
			break;
		case OPT_GRACE:
			o->grace = parse_seconds("--grace", optarg, 0);
			break;
		case 'r': set->rejects_path = optarg; break;
		case OPT_DRY_RUN: set->dry_run = true; break;
		case OPT_DRY_RUN_OUTPUT: set->dry_run_path = optarg; break;
		case OPT_STATS: set->stats_path = optarg; break;
		case OPT_NO_PROGRESS: set->no_progress = true; break;
		case OPT_TRACE: o->curl_trace = true; break;
		case 'q': msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h': usage(); break;
		case 'V':
			printf("heap-send (heapsync) %s\n", HEAPSYNC_VERSION);
			exit(EXIT_OK);
		default:
			usage_bad_option(c, argv);
		}
	}
}

/* Fill in what the command line left out, from the environment or the
 * defaults, and check that the options fit together. */
static void
finish_options(struct settings *set)
{
	struct send_options *o = &set->send;
	const char *env;

	if (o->app_id == NULL && (env = getenv("HEAP_APP_ID")) && *env)
		o->app_id = env;
	if (o->app_id == NULL || *o->app_id == '\0')
		usage_hint("no app id: use --app-id ID or set HEAP_APP_ID");

	if (set->region && strcmp(set->region, "us") != 0 &&
	    strcmp(set->region, "eu") != 0)
		usage_hint("invalid --region '%s': expected 'us' or 'eu'",
		    set->region);
	if (o->endpoint == NULL && set->region)
		o->endpoint = strcmp(set->region, "eu") == 0 ? ENDPOINT_EU :
		    ENDPOINT_US;
	if (o->endpoint == NULL && (env = getenv("HEAP_ENDPOINT")) && *env)
		o->endpoint = env;
	if (o->endpoint == NULL)
		o->endpoint = ENDPOINT_US;
	if (strncmp(o->endpoint, "https://", 8) != 0 &&
	    strncmp(o->endpoint, "http://", 7) != 0)
		usage_hint("invalid --endpoint '%s': expected an http:// or "
		    "https:// URL", o->endpoint);

	if (o->retry_max_ms < o->retry_base_ms)
		usage_hint("--retry-max-ms must not be less than "
		    "--retry-base-ms");
	if (set->dry_run_path && !set->dry_run)
		usage_hint("--dry-run-output needs --dry-run");
}

/* Return the endpoint without trailing slashes, so paths join cleanly. */
static char *
trim_endpoint(const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return xstrndup(url, len);
}

static void
open_inputs(int argc, char **argv, struct send_input *in)
{
	static const char *stdin_name = "<stdin>";
	size_t count = argc > 0 ? (size_t)argc : 1;

	in->fds = xcalloc(count, sizeof *in->fds);
	in->names = xcalloc(count, sizeof *in->names);
	in->count = count;
	if (argc == 0) {
		in->fds[0] = STDIN_FILENO;
		in->names[0] = stdin_name;
		return;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			in->fds[i] = STDIN_FILENO;
			in->names[i] = stdin_name;
			continue;
		}
		in->fds[i] = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (in->fds[i] < 0)
			fatal(EXIT_INPUT, "cannot open '%s': %s", argv[i],
			    strerror(errno));
		in->names[i] = argv[i];
	}
}

static void
close_inputs(struct send_input *in)
{
	for (size_t i = 0; i < in->count; i++)
		if (in->fds[i] != STDIN_FILENO)
			close(in->fds[i]);
	free(in->fds);
	free(in->names);
}

static void
print_summary(const struct send_counters *n, double elapsed)
{
	if (msg_get_level() < MSG_NORMAL)
		return;
	fprintf(stderr, "heap-send: read %lu, delivered %lu, rejected %lu, "
	    "failed %lu; %lu request%s, %lu retried; %.1f s\n", n->read,
	    n->delivered, n->rejected, n->failed, n->requests,
	    plural(n->requests), n->retried, elapsed);
}

static double
seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	struct settings set = { .send = {
		.jobs = 4, .max_request_bytes = 1 << 20,
		.batch_size = 1000, .linger_ms = 500,
		.events_per_window = 15000, .events_per_identity = 1000,
		.limit_window = 60, .timeout_ms = 30000, .max_retries = 8,
		.retry_base_ms = 500, .retry_max_ms = 30000, .grace = 5,
	} };
	struct send_counters n = { 0 };
	struct rejects rejects;
	struct send_input in;
	struct timespec start;
	char *endpoint;
	int status;

	msg_init(argv[0]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	parse_options(argc, argv, &set);
	finish_options(&set);
	endpoint = trim_endpoint(set.send.endpoint);
	set.send.endpoint = endpoint;

	open_inputs(argc - optind, argv + optind, &in);
	rejects_open(&rejects, set.rejects_path);
	set.send.rejects = &rejects;
	if (set.dry_run) {
		set.send.dry_run = stderr;
		if (set.dry_run_path && !(set.send.dry_run =
		    fopen(set.dry_run_path, "w")))
			fatal(EXIT_INPUT, "cannot open '%s': %s",
			    set.dry_run_path, strerror(errno));
	}
	set.send.progress = !set.no_progress && !set.dry_run &&
	    msg_get_level() >= MSG_NORMAL && isatty(STDERR_FILENO);
	catch_signals();

	status = send_run(&set.send, &in, &n);

	if (set.send.dry_run && set.send.dry_run != stderr &&
	    fclose(set.send.dry_run) != 0) {
		error("cannot write '%s': %s", set.dry_run_path,
		    strerror(errno));
		status = EXIT_INPUT;
	}
	if (!rejects_close(&rejects))
		status = EXIT_INPUT;
	{
		const struct stat_counter counters[] = {
			{ "read", &n.read }, { "delivered", &n.delivered },
			{ "rejected", &n.rejected }, { "failed", &n.failed },
			{ "requests", &n.requests }, { "retried", &n.retried },
		};

		if (!stats_write(set.stats_path, counters,
		    sizeof counters / sizeof counters[0]))
			status = EXIT_INPUT;
	}
	print_summary(&n, seconds_since(&start));
	close_inputs(&in);
	free(endpoint);
	return close_stdout(status);
}
