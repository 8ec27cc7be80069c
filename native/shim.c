/*
 * ptyjobs-shim: the first process of every job, run by node-pty in the job's pty.
 *
 *   ptyjobs-shim NONCE PROGRAM [ARG...]
 *   ptyjobs-shim --flock
 *
 * --flock takes flock(LOCK_EX|LOCK_NB) on its stdin and exits 0 (taken), 1 (held by another
 * open file) or 2 (an error, said on stderr). Node has no flock(2); the lock belongs to the open
 * file description, so it stays with the caller's descriptor after this process exits. The
 * shared daemon's lock is taken this way (src/socket/lock.ts).
 *
 * 1. Closes every inherited descriptor above stderr. node-pty 1.1.0 does not mark pty masters
 *    close-on-exec, so without this each job holds the masters of all earlier jobs open, and a
 *    job whose server died never gets its hang-up (node-pty issue #657).
 * 2. Runs PROGRAM as its child, in its own process group and the terminal's foreground
 *    group, and waits for it.
 * 3. Announces the exit status in-band, after all the child's output, as the escape sequence
 *    ESC ] 6973 ; NONCE ; CODE ; SIGNAL BEL, then waits for the server to echo NONCE back
 *    before exiting. The server thus reads every byte before the pty is torn down (node-pty
 *    issues #72, #85, #726: the tail of a fast exit is otherwise lost).
 * 4. On Linux, stays the parent of everything the job starts (child subreaper: setsid children
 *    and double-forked daemons reparent to the shim, not to init) and asks to be told when the
 *    server dies (parent-death signal). When it does, even by SIGKILL, the shim ends its whole
 *    tree: SIGTERM, then SIGKILL after a grace period, then exits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* How long to wait for the server's acknowledgement; it only runs out if the server is stuck. */
#define ACK_TIMEOUT_MS 10000
#define MARKER_OSC "6973"
/* After the server died: how long the tree gets between SIGTERM and SIGKILL. */
#define ORPHAN_GRACE_MS 1000
/* Without the server's acknowledgement, how long to watch for its death before exiting. */
#define SERVER_GONE_WAIT_MS 500
/* The signal the kernel sends the shim when the server dies. */
#define SERVER_DEATH_SIGNAL SIGUSR2
#define MAX_TREE 4096

static pid_t child_pid = -1;
static pid_t server_pid = -1;
static volatile sig_atomic_t server_died = 0;

static void close_inherited_fds(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 ? max : 1024); fd++) close((int)fd);
        return;
    }
    int fds[1024];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 1024) {
        int fd = atoi(entry->d_name);
        if (fd > 2 && fd != dirfd(dir)) fds[count++] = fd;
    }
    closedir(dir);
    for (int i = 0; i < count; i++) close(fds[i]);
}

/* A SIGTERM or SIGHUP sent to the shim alone (by pid) is meant for the job: pass it on. */
static void forward_signal(int sig) {
    if (child_pid > 0) kill(-child_pid, sig);
}

static void on_server_death(int sig) {
    (void)sig;
    if (getppid() != server_pid) server_died = 1; /* not a stray signal from a job */
}

/* Every live descendant of this process (the subreaper keeps orphans among them). */
static int descendants(pid_t *out, int max) {
    static pid_t pids[MAX_TREE * 8], ppids[MAX_TREE * 8];
    int total = 0;
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL && total < MAX_TREE * 8) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *close_paren = strrchr(buf, ')');
        char state;
        int ppid;
        if (close_paren == NULL || sscanf(close_paren + 2, "%c %d", &state, &ppid) != 2 || state == 'Z') continue;
        pids[total] = atoi(entry->d_name);
        ppids[total++] = ppid;
    }
    closedir(proc);
    int found = 0;
    out[found++] = getpid();
    for (int grew = 1; grew;) {
        grew = 0;
        for (int i = 0; i < total && found < max; i++) {
            int known = 0, parent_known = 0;
            for (int j = 0; j < found; j++) {
                if (out[j] == pids[i]) known = 1;
                if (out[j] == ppids[i]) parent_known = 1;
            }
            if (!known && parent_known) {
                out[found++] = pids[i];
                grew = 1;
            }
        }
    }
    for (int i = 1; i < found; i++) out[i - 1] = out[i]; /* drop ourselves */
    return found - 1;
}

static void reap_all(void) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

static long long now_ms(void);

/* The server is gone: nobody will read the job's output or kill it. End the whole tree. */
static void end_tree_and_exit(void) {
    static pid_t tree[MAX_TREE];
    int count = descendants(tree, MAX_TREE);
    for (int i = 0; i < count; i++) kill(tree[i], SIGTERM);
    long long deadline = now_ms() + ORPHAN_GRACE_MS;
    while (count > 0 && now_ms() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
        reap_all();
        count = descendants(tree, MAX_TREE);
    }
    /* Sweep until nothing is left: a tree may fork while it is being killed. */
    for (int sweep = 0; sweep < 5 && (count = descendants(tree, MAX_TREE)) > 0; sweep++) {
        for (int i = 0; i < count; i++) kill(tree[i], SIGKILL);
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
        reap_all();
    }
    _exit(128 + SIGHUP);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 1 once the server echoed the nonce, 0 on a timeout or a hang-up. */
static int await_ack(const char *nonce) {
    char buf[256];
    size_t len = 0;
    long long deadline = now_ms() + ACK_TIMEOUT_MS;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)left);
        if (server_died) end_tree_and_exit();
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return 0;
        ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; /* hang-up: the server is gone */
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, nonce) != NULL) return 1;
        if (len > sizeof(buf) / 2) { /* keep the tail, which may hold a partial nonce */
            size_t keep = strlen(nonce);
            memmove(buf, buf + len - keep, keep);
            len = keep;
        }
    }
}

#define FLOCK_TAKEN 0
#define FLOCK_HELD 1
#define FLOCK_ERROR 2

static int flock_stdin(void) {
    for (;;) {
        if (flock(STDIN_FILENO, LOCK_EX | LOCK_NB) == 0) return FLOCK_TAKEN;
        if (errno == EWOULDBLOCK) return FLOCK_HELD;
        if (errno != EINTR) break;
    }
    fprintf(stderr, "ptyjobs-shim: flock: %s\n", strerror(errno));
    return FLOCK_ERROR;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--flock") == 0) return flock_stdin();
    if (argc < 3) {
        fprintf(stderr, "usage: ptyjobs-shim NONCE PROGRAM [ARG...]\n");
        return 127;
    }
    /* A kill that comes before the handlers below are in place must wait for them, or it would
       end the shim alone and leave the command it is about to start running. */
    sigset_t forwarded, unblocked;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGHUP);
    sigprocmask(SIG_BLOCK, &forwarded, &unblocked);
    close_inherited_fds();
    const char *nonce = argv[1];
    server_pid = getppid();
#ifdef __linux__
    struct sigaction death = {0};
    death.sa_handler = on_server_death; /* no SA_RESTART: waitpid below returns to check */
    sigaction(SERVER_DEATH_SIGNAL, &death, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, SERVER_DEATH_SIGNAL);
    if (getppid() != server_pid) server_died = 1; /* it died before we asked */
#endif

    signal(SIGTTOU, SIG_IGN); /* so tcsetpgrp below works from the background */
    child_pid = fork();
    if (child_pid < 0) {
        perror("ptyjobs-shim: fork");
        return 127;
    }
    if (child_pid == 0) {
        sigprocmask(SIG_SETMASK, &unblocked, NULL);
        setpgid(0, 0);
        tcsetpgrp(STDIN_FILENO, getpid());
        signal(SIGTTOU, SIG_DFL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "ptyjobs: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    /* Both sides set the group, so neither races the other. */
    setpgid(child_pid, child_pid);
    tcsetpgrp(STDIN_FILENO, child_pid);

    struct sigaction forward = {0};
    forward.sa_handler = forward_signal;
    sigaction(SIGTERM, &forward, NULL);
    sigaction(SIGHUP, &forward, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
    sigprocmask(SIG_SETMASK, &unblocked, NULL); /* a kill that waited is forwarded now */

    /* As subreaper the shim also reaps orphans of the job; it waits for its own child. */
    int status = 0;
    for (;;) {
        if (server_died) end_tree_and_exit();
        int any = 0;
        pid_t pid = waitpid(-1, &any, 0);
        if (pid == child_pid) {
            status = any;
            break;
        }
        if (pid < 0 && errno != EINTR) break;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

    /* Take the terminal back, in a mode that reads the ack without echoing it. */
    tcsetpgrp(STDIN_FILENO, getpgrp());
    struct termios mode;
    if (tcgetattr(STDIN_FILENO, &mode) == 0) {
        mode.c_lflag &= ~(ECHO | ICANON | ISIG);
        mode.c_cc[VMIN] = 1;
        mode.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &mode);
    }
    tcflush(STDIN_FILENO, TCIFLUSH);
    dprintf(STDOUT_FILENO, "\033]" MARKER_OSC ";%s;%d;%d\007", nonce, code, sig);
    if (!await_ack(nonce)) {
        /* No acknowledgement: the server may be dying (its pty closes before the kernel reparents
           us and sends the parent-death signal). If it is gone, nobody else will end what the
           job left running. */
        long long deadline = now_ms() + SERVER_GONE_WAIT_MS;
        while (now_ms() < deadline) {
            if (server_died || getppid() != server_pid) end_tree_and_exit();
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    return sig ? 128 + sig : code;
}
