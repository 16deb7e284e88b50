# rvrr gdb settings and user commands.
# Usage: gdb-multiarch -x gdbinit samples/hello/hello.elf
# (connects to rvrr on localhost:1234; start it with `npm start` or `node dist/cli.js serve ...`)

set architecture riscv:rv64
set pagination off
set confirm off
# Reverse execution and watchpoints are served by rvrr itself (no software single-stepping).
set can-use-hw-watchpoints 1

define when
  monitor when
end
document when
Print the current position in history: icount, virtual time and hart.
end

define seek
  monitor seek $arg0
  maintenance flush register-cache
  maintenance flush dcache
  frame
end
document seek
Move to a point in history: seek ICOUNT | seek +N | seek -N.
gdb's register cache is flushed and the new frame shown.
end

define checkpoint
  if $argc == 0
    monitor checkpoint
  else
    monitor checkpoint $arg0
  end
end
document checkpoint
Name the current point in history: checkpoint [NAME].
end

define checkpoints
  monitor checkpoints
end
document checkpoints
List named points in history.
end

define restart
  monitor restart $arg0
  maintenance flush register-cache
  maintenance flush dcache
  frame
end
document restart
Go back (or forward) to a named checkpoint: restart NAME.
end

define last-write
  if $argc == 1
    eval "monitor last-write 0x%lx %d", (unsigned long)($arg0), sizeof(*($arg0))
  else
    eval "monitor last-write 0x%lx %d", (unsigned long)($arg0), $arg1
  end
end
document last-write
Find the last write before now to ADDR [LEN]: icount, pc and hart of the store.
ADDR is any gdb expression: `last-write &alice.balance` (LEN defaults to the size
of what ADDR points to). Go there with `seek ICOUNT`.
end

define info-replay
  monitor info replay
end
document info-replay
History span, snapshots and their memory, log size.
end

define rvrr
  help rvrr
end
document rvrr
rvrr user commands (wrapping `monitor ...`):
  when                  current icount, virtual time, hart
  seek ICOUNT|+N|-N     move in history
  checkpoint [NAME]     name this point;  checkpoints: list them
  restart NAME          go to a named point
  last-write ADDR [LEN] who last wrote this memory
  info-replay           history span, snapshots, log size
Reverse execution works with gdb's own commands: reverse-stepi, reverse-step,
reverse-next, reverse-finish, reverse-continue (rs, rn, rc), and watchpoints
(watch / rwatch / awatch) work in both directions.
`monitor help` lists every monitor command.
end

# Connect last: if nothing listens on :1234 (or the guest already exited), the commands above
# are still defined and `target remote :1234` can be typed again once rvrr runs.
target remote :1234
