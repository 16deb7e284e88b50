/*
 * bughunt.c - a memory-corruption bug to find with reverse debugging.
 *
 * A tiny bank keeps one account. Every deposit is added to the balance and
 * also remembered in a short list of recent deposits. At the end an audit
 * adds up the ledger and compares it with the balance... and they differ.
 * Nothing crashed, nothing looked wrong on the way: something overwrote
 * alice.balance long before the audit noticed.
 *
 * Find it by going backwards: see WALKTHROUGH.md, or run find-culprit.gdb.
 */
#include "../common/virt.h"

#define RECENT_MAX 4            /* how many recent deposits an account keeps */
#define MAX_LEDGER 16

struct account {
    char owner[8];
    long recent[RECENT_MAX];    /* the last deposits, oldest first */
    long balance;               /* must always equal the sum of all deposits */
    long n_recent;              /* entries of recent[] in use */
};

struct account alice = { "alice", { 0 }, 0, 0 };

/* The bank's ledger: every deposit ever made, in order. */
long ledger[MAX_LEDGER];
int n_ledger;

/* Keep the amount in the account's list of recent deposits. */
void remember(struct account *a, long amount)
{
    if (a->n_recent <= RECENT_MAX)
        a->recent[a->n_recent++] = amount;
}

/* Deposit money: write it in the ledger, add it to the balance, remember it. */
void deposit(struct account *a, long amount)
{
    ledger[n_ledger++] = amount;
    a->balance += amount;
    remember(a, amount);
}

/* Some unrelated work between the bug and its discovery. */
long project_interest(long principal, int months)
{
    long total = principal;
    for (int m = 0; m < months; m++)
        total += total / 100;           /* 1% a month, rounded down */
    return total;
}

/* The failure: report it and power off with exit status 3. */
void report_corruption(long balance, long expected)
{
    uart_puts("corrupted! alice.balance is ");
    uart_putd(balance);
    uart_puts(" but the ledger adds up to ");
    uart_putd(expected);
    uart_puts("\n");
    poweroff(3);
}

/* Add up the ledger and check that the balance agrees. */
void audit(struct account *a)
{
    long expected = 0;
    for (int i = 0; i < n_ledger; i++)
        expected += ledger[i];
    if (a->balance != expected)
        report_corruption(a->balance, expected);
    uart_puts("audit passed\n");
}

int main(void)
{
    static const long amounts[] = { 120, 75, 300, 42, 63 };
    int n = sizeof amounts / sizeof amounts[0];

    uart_puts("bughunt: a tiny bank\n");
    for (int i = 0; i < n; i++) {
        deposit(&alice, amounts[i]);
        uart_puts("  deposited ");
        uart_putd(amounts[i]);
        uart_puts("\n");
    }

    uart_puts("recent deposits:");
    for (int i = 0; i < RECENT_MAX; i++) {
        uart_puts(" ");
        uart_putd(alice.recent[i]);
    }
    uart_puts("\n");

    uart_puts("a year of interest on 1000 gives ");
    uart_putd(project_interest(1000, 12));
    uart_puts("\n");

    audit(&alice);
    return 0;
}
