/* System call numbers of the os bench kernel (os.c), shared with its user program (os-user.c). */
#define SYS_YIELD 1
#define SYS_WRITE 2
#define SYS_EXIT 3
#define SYS_SBRK 4
#define SYS_FORK 5
#define SYS_GETPID 6
