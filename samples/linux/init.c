/*
 * PID 1 of the rvrr Linux sample: static glibc, no shell. It mounts the
 * pseudo file systems, forks one child per job, pins each to a hart, and
 * prints what they report in job order (so the console reads the same on
 * rvrr and on QEMU whatever the scheduler does), then powers off.
 *
 * Jobs: what /proc and /sys say about the harts and disks, the goldfish RTC
 * through /dev/rtc0, an ext2 file system on /dev/vda (read a file, write one,
 * remount, read it back), and a prime sieve as CPU work on the last hart.
 *
 * Built by build.sh with: riscv64-linux-gnu-gcc -static -O2 -o init init.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int harts;

/* Reads a whole (small) file into buf; returns its length or -1. */
static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (int)n;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = 0;
}

/* Prints "LABEL: first line of PATH"; 0, or 1 (with the error printed) if it cannot be read. */
static int show(const char *label, const char *path, char *buf, size_t size)
{
	if (slurp(path, buf, size) < 0) {
		printf("cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	chomp(buf);
	printf("%s: %s\n", label, buf);
	return 0;
}

static int job_procfs(void)
{
	static char buf[16384];
	if (show("/sys/devices/system/cpu/online", "/sys/devices/system/cpu/online", buf, sizeof buf))
		return 1;
	if (slurp("/proc/cpuinfo", buf, sizeof buf) < 0) {
		printf("cannot read /proc/cpuinfo: %s\n", strerror(errno));
		return 1;
	}
	int processors = 0;
	for (char *p = buf; (p = strstr(p, "processor\t")) != NULL; p++)
		processors++;
	printf("/proc/cpuinfo: %d processors\n", processors);
	if (slurp("/proc/partitions", buf, sizeof buf) < 0) {
		printf("cannot read /proc/partitions: %s\n", strerror(errno));
		return 1;
	}
	int disks = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned major, minor;
		unsigned long long blocks;
		char name[32];
		if (sscanf(line, "%u %u %llu %31s", &major, &minor, &blocks, name) == 4) {
			printf("/proc/partitions: %s, %llu KiB\n", name, blocks);
			disks++;
		}
	}
	if (disks == 0)
		printf("/proc/partitions: no disks\n");
	return processors == harts ? 0 : 1;
}

static int job_rtc(void)
{
	int fd = open("/dev/rtc0", O_RDONLY);
	if (fd < 0) {
		printf("cannot open /dev/rtc0: %s\n", strerror(errno));
		return 1;
	}
	struct rtc_time t;
	if (ioctl(fd, RTC_RD_TIME, &t) < 0) {
		printf("RTC_RD_TIME: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	/* Seconds depend on how long the boot took: leave them out. */
	printf("/dev/rtc0: %04d-%02d-%02d %02d:%02d UTC\n", t.tm_year + 1900, t.tm_mon + 1,
	       t.tm_mday, t.tm_hour, t.tm_min);
	return 0;
}

static int job_disk(void)
{
	static char buf[4096];
	struct stat st;
	if (stat("/dev/vda", &st) < 0) {
		printf("no /dev/vda (boot with a drive to test ext2)\n");
		return 0;
	}
	if (mount("/dev/vda", "/mnt", "ext2", 0, NULL) < 0) {
		printf("mount /dev/vda: %s\n", strerror(errno));
		return 1;
	}
	if (show("/mnt/hello.txt", "/mnt/hello.txt", buf, sizeof buf))
		return 1;

	int fd = open("/mnt/init.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("create /mnt/init.txt: %s\n", strerror(errno));
		return 1;
	}
	int len = snprintf(buf, sizeof buf, "written by init's child %d on hart %d\n",
			   (int)getpid(), sched_getcpu());
	if (write(fd, buf, (size_t)len) != len || fsync(fd) < 0 || close(fd) < 0) {
		printf("write /mnt/init.txt: %s\n", strerror(errno));
		return 1;
	}
	/* Read it back through a fresh mount so it comes from the disk. */
	if (umount("/mnt") < 0 || mount("/dev/vda", "/mnt", "ext2", MS_RDONLY, NULL) < 0) {
		printf("remount /dev/vda: %s\n", strerror(errno));
		return 1;
	}
	int rc = show("/mnt/init.txt after remount", "/mnt/init.txt", buf, sizeof buf);
	umount("/mnt");
	return rc;
}

static int job_sieve(void)
{
	enum { N = 200000 };
	static unsigned char composite[N + 1];
	int primes = 0;
	for (int i = 2; i <= N; i++) {
		if (composite[i])
			continue;
		primes++;
		for (long j = (long)i * i; j <= N; j += i)
			composite[j] = 1;
	}
	printf("%d primes below %d\n", primes, N);
	return primes == 17984 ? 0 : 1;
}

static const struct job {
	const char *name;
	int (*run)(void);
} jobs[] = {
	{ "procfs", job_procfs },
	{ "rtc", job_rtc },
	{ "disk", job_disk },
	{ "sieve", job_sieve },
};
#define NJOBS (int)(sizeof jobs / sizeof jobs[0])

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("init: ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void mount_or_say(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) < 0 && errno != EBUSY)
		say("mount %s on %s: %s\n", type, dir, strerror(errno));
}

int main(void)
{
	/* The kernel mounts devtmpfs by itself only on a block-device root. */
	mount_or_say("devtmpfs", "/dev", "devtmpfs");
	mount_or_say("proc", "/proc", "proc");
	mount_or_say("sysfs", "/sys", "sysfs");
	mkdir("/mnt", 0755);
	harts = (int)sysconf(_SC_NPROCESSORS_ONLN);
	say("%d harts online, %d jobs\n", harts, NJOBS);

	pid_t pids[NJOBS];
	int pipes[NJOBS];
	for (int i = 0; i < NJOBS; i++) {
		int fds[2];
		if (pipe(fds) < 0) {
			say("pipe: %s\n", strerror(errno));
			return 1;
		}
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0) {
			say("fork: %s\n", strerror(errno));
			return 1;
		}
		if (pids[i] == 0) {
			/* Job i runs on hart i mod harts: with 4 harts, one each. */
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(i % harts, &set);
			close(fds[0]);
			dup2(fds[1], 1);
			close(fds[1]);
			if (sched_setaffinity(0, sizeof set, &set) < 0)
				printf("sched_setaffinity: %s\n", strerror(errno));
			sched_yield();
			printf("[hart %d] ", sched_getcpu());
			int rc = jobs[i].run();
			fflush(stdout);
			_exit(rc);
		}
		close(fds[1]);
		pipes[i] = fds[0];
	}

	int failed = 0;
	for (int i = 0; i < NJOBS; i++) {
		static char buf[8192];
		size_t n = 0;
		for (;;) {
			ssize_t r = read(pipes[i], buf + n, sizeof buf - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		buf[n] = 0;
		close(pipes[i]);
		int status = 0;
		waitpid(pids[i], &status, 0);
		int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		failed += !ok;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			say("%s: %s\n", jobs[i].name, line);
		say("%s: %s\n", jobs[i].name, ok ? "ok" : "FAILED");
	}
	say("%s, powering off\n", failed ? "some jobs FAILED" : "all jobs ok");
	sync();
	reboot(RB_POWER_OFF);
	/* PID 1 must not exit: the kernel would panic. */
	for (;;)
		pause();
}
