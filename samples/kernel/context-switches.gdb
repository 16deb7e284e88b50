# context-switches.gdb - the kernel's last process switches, newest first.
#
# Runs the sample kernel to shutdown(), then watches `current` (the running
# process, kernel/proc.c) and goes back in time from one switch to the one
# before it. Each stop is the store `current = p;` in switch_to()
# (proc.c line 71), before it executes: `current` is still the process
# being switched away from and `p` the one switched to. The backtrace says
# why: s_trap() at trap.c:25 is a timer tick (preemption), syscall() at
# proc.c:150 a yield and proc.c:155 an exit.
#
#   node dist/cli.js serve --kernel samples/kernel/kernel.elf &
#   gdb-multiarch -batch -x gdbinit -x samples/kernel/context-switches.gdb samples/kernel/kernel.elf

set pagination off
set confirm off

break shutdown
continue
printf "\n=== All processes have exited after %lu timer ticks. Going back.\n", ticks
delete
watch current
set $switch = 0
while $switch < 6
  reverse-continue
  set $switch = $switch + 1
  if current != 0
    printf "\n=== switch -%d: pid %d -> pid %d, called from:\n", $switch, current->pid, p->pid
  else
    printf "\n=== switch -%d: the very first process, pid %d, called from:\n", $switch, p->pid
  end
  backtrace 4
end
