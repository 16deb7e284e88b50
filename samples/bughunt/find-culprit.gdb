# find-culprit.gdb - who overwrote alice.balance? A whole reverse session.
#
# Start rvrr with the bug sample, then run this script against it:
#   node dist/cli.js serve --kernel samples/bughunt/bughunt.elf        (listens on :1234)
#   gdb-multiarch -batch -x gdbinit -x samples/bughunt/find-culprit.gdb samples/bughunt/bughunt.elf
# Without gdbinit, connect first:
#   gdb-multiarch -batch -ex 'target remote :1234' -x samples/bughunt/find-culprit.gdb \
#       samples/bughunt/bughunt.elf
#
# What it does: run forward to the failed audit, watch alice.balance, then
# go back in time twice: first to the store that corrupted it (remember(),
# bughunt.c line 34), then to the legitimate write before it (deposit(),
# line 41).

set pagination off
set confirm off
set print pretty off

# 1. Forward to the failure.
break report_corruption
continue
echo \n=== 1. The audit failed: alice.balance does not match the ledger.\n
print balance
print expected
print alice

# 2. Backward to the last write of alice.balance.
watch alice.balance
echo \n=== 2. reverse-continue: who wrote alice.balance last?\n
reverse-continue
backtrace
print alice.balance
print a->n_recent
x/i $pc
print/x $a5 + 8
print &alice.balance
echo The store to a->recent[4], one past the end of recent[4], hit alice.balance.\n

# 3. Backward once more: the legitimate write before the corruption.
echo \n=== 3. reverse-continue: the write before that\n
reverse-continue
backtrace
print alice.balance
print amount
echo This is deposit() adding the 5th amount: the balance was right until remember() ran.\n
