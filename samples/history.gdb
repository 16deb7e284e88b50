# history.gdb - the history of a variable, newest first, by going backwards.
#
# Defines the command `var-history EXPR [MAX]`: it watches the memory of
# EXPR and reverse-continues again and again, printing where each write
# happened and the value before it, until the value stops changing (the
# beginning of history, or of the recording) or MAX writes were shown
# (default 50). The watchpoint is removed at the end; you are left at the
# oldest write found. EXPR must be a scalar lvalue (an integer, a pointer,
# a struct field...): its address is taken once, so it may be a local or
# an expression like `p->count` that is out of scope later.
#
# Usage, with rvrr serving a guest on :1234 (gdbinit connects):
#   gdb-multiarch -x gdbinit -x samples/history.gdb samples/bughunt/bughunt.elf
#   (gdb) break report_corruption
#   (gdb) continue
#   (gdb) var-history alice.balance
# or in one go:
#   gdb-multiarch -batch -ex 'target remote :1234' -x samples/history.gdb \
#       -ex 'break audit' -ex continue -ex 'var-history alice.balance' \
#       samples/bughunt/bughunt.elf

define var-history
  if $argc < 1
    echo usage: var-history EXPR [MAX]\n
  else
    set $vh_max = 50
    if $argc >= 2
      set $vh_max = $arg1
    end
    set $vh_addr = &($arg0)
    set $vh_prev = *$vh_addr
    set $vh_n = 0
    set $vh_more = 1
    printf "history of $arg0 (at %p), newest first; now: ", $vh_addr
    output *$vh_addr
    echo \n
    watch -location $arg0
    set $vh_wp = $bpnum
    while $vh_more && $vh_n < $vh_max
      reverse-continue
      if *$vh_addr == $vh_prev
        # Nothing wrote it any earlier: history (or the recording) begins here.
        set $vh_more = 0
        echo no earlier write: this is the oldest value\n
      else
        set $vh_n = $vh_n + 1
        printf "write #%d back: before it, $arg0 was ", $vh_n
        output *$vh_addr
        echo ; stopped at:\n
        x/i $pc
        set $vh_prev = *$vh_addr
      end
    end
    delete $vh_wp
    printf "%d write(s) of $arg0 found\n", $vh_n
  end
end

document var-history
var-history EXPR [MAX]: print the history of a scalar variable backwards.
Watches EXPR's memory and reverse-continues until the value stops changing
(beginning of history) or MAX writes (default 50) were shown.
end
