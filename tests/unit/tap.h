/* A minimal TAP producer for C unit tests.
 *
 *   CHECK(cond) prints "ok N - cond" or "not ok N - cond" with file:line.
 *   CHECK_STR(got, want) compares strings and prints both on failure.
 *   return tap_done(); at the end of main prints the plan.
 */
#ifndef HEAPSYNC_TAP_H
#define HEAPSYNC_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;

#define CHECK(cond) tap_check((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
	tap_check_str((got), (want), #got, __FILE__, __LINE__)

static inline void
tap_check(int passed, const char *what, const char *file, int line)
{
	tap_count++;
	printf("%sok %d - %s\n", passed ? "" : "not ", tap_count, what);
	if (!passed)
		printf("# failed at %s:%d\n", file, line);
}

static inline void
tap_check_str(const char *got, const char *want, const char *what,
    const char *file, int line)
{
	int passed = got != NULL && want != NULL && strcmp(got, want) == 0;

	tap_check(passed, what, file, line);
	if (!passed)
		printf("# got:  %s\n# want: %s\n", got ? got : "(null)",
		    want ? want : "(null)");
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return 0;
}

#endif
