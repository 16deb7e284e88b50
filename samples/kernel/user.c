/*
 * user.c - the user program of the sample kernel. It runs in U-mode at
 * 0x40000000; each process has its own copy, so its globals are per
 * process. Process 1 ("ping") counts primes, process 2 ("pong") follows
 * Collatz chains; both print a line per round and yield. Their rounds are
 * long enough that the timer tick also preempts them in the middle.
 */
#include "syscall.h"

long write(const char *buf, long len);
long getpid(void);
long yield(void);
long getc(void);
void exit(long status) __attribute__((noreturn));

#define ROUNDS 4

/* Per process: how many rounds this process has done (`p rounds_done`). */
int rounds_done;

/* A line of output, built up and then printed with a single write. */
struct line {
    char text[120];
    int len;
};

static void add_str(struct line *l, const char *s)
{
    while (*s && l->len < (int)sizeof l->text)
        l->text[l->len++] = *s++;
}

static void add_num(struct line *l, long n)
{
    char digits[20];
    int i = 0;
    do {
        digits[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (i && l->len < (int)sizeof l->text)
        l->text[l->len++] = digits[--i];
}

static void print_line(struct line *l)
{
    add_str(l, "\n");
    write(l->text, l->len);
}

/* How many primes are there below limit? (trial division, on purpose slow) */
int count_primes(int limit)
{
    int count = 0;
    for (int n = 2; n < limit; n++) {
        int prime = 1;
        for (int d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

/* Steps for n to reach 1 by n -> n/2 (even) or 3n+1 (odd). */
int collatz_steps(long n)
{
    int steps = 0;
    while (n != 1) {
        n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
        steps++;
    }
    return steps;
}

static int ping(void)
{
    for (int round = 1; round <= ROUNDS; round++) {
        int limit = round * 2000;
        struct line l;
        l.len = 0;
        add_str(&l, "[pid 1] ping round ");
        add_num(&l, round);
        add_str(&l, ": ");
        add_num(&l, count_primes(limit));
        add_str(&l, " primes below ");
        add_num(&l, limit);
        print_line(&l);
        rounds_done++;
        yield();
    }
    return 0;
}

static int pong(void)
{
    for (int round = 1; round <= ROUNDS; round++) {
        /* The longest chain among the starting values below limit. */
        int limit = round * 1000, best = 1, best_steps = 0;
        for (int n = 1; n < limit; n++) {
            int steps = collatz_steps(n);
            if (steps > best_steps) {
                best = n;
                best_steps = steps;
            }
        }
        struct line l;
        l.len = 0;
        add_str(&l, "[pid 2] pong round ");
        add_num(&l, round);
        add_str(&l, ": longest Collatz chain below ");
        add_num(&l, limit);
        add_str(&l, " starts at ");
        add_num(&l, best);
        add_str(&l, " (");
        add_num(&l, best_steps);
        add_str(&l, " steps)");
        print_line(&l);

        long c = getc();                /* anything typed on the console? */
        if (c >= 0) {
            struct line t;
            t.len = 0;
            add_str(&t, "[pid 2] read '");
            char s[2] = { (char)c, 0 };
            add_str(&t, s);
            add_str(&t, "' with getc");
            print_line(&t);
        }
        rounds_done++;
        yield();
    }
    return 7;                           /* an exit status the kernel reports */
}

int main(void)
{
    switch (getpid()) {
    case 1:
        return ping();
    case 2:
        return pong();
    default:
        return -1;
    }
}
