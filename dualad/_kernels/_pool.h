/* A pool of worker threads for the kernels' large arrays, in place of OpenMP.
 *
 * dualad_parallel(fn, ctx, nblocks, threads) calls fn(ctx, b) once for every block
 * b < nblocks, the calling thread and up to threads - 1 workers taking blocks one at a time
 * from a shared counter, and returns when all of them are done.
 *
 * Why not OpenMP: an OpenMP loop ends at a barrier that every thread of the team must reach,
 * even one that got no block. Beside another pool whose idle threads spin (NumPy's OpenBLAS
 * spins for a while after each matmul), a worker may wait a whole scheduler slice for a core,
 * and the loop with it, which made a matmul followed by an elementwise kernel slower on two
 * threads than on one. Here a worker joins a job only if it wakes before
 * the caller has run out of blocks, and the caller waits only for workers that joined: a
 * worker kept off its core costs nothing, a worker preempted inside a block holds up that
 * block. Idle workers sleep on a condition variable and never spin.
 *
 * One job runs at a time; a caller that finds the pool busy (another Python thread in a
 * kernel) runs its blocks itself. After fork() the child has no workers: the handler below
 * forgets them, and the next job starts new ones.
 */
#ifndef DUALAD_POOL_H
#define DUALAD_POOL_H

#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef void (*dualad_block_fn)(void *ctx, Py_ssize_t block);

#define DUALAD_MAX_WORKERS 255

static struct {
    pthread_mutex_t lock;      /* guards every field but next */
    pthread_cond_t wake;       /* workers wait here for a new job */
    pthread_cond_t idle;       /* the caller waits here for the workers that joined */
    pthread_mutex_t busy;      /* held by the caller of the running job */
    unsigned long generation;  /* jobs published so far */
    int finished;              /* the job takes no more workers */
    int active;                /* workers inside the job */
    int started;               /* workers started */
    int wanted;                /* workers the job may use: ids 0 .. wanted - 1 */
    int fork_handler;          /* the pthread_atfork handler is registered */
    dualad_block_fn fn;
    void *ctx;
    Py_ssize_t nblocks;
    _Atomic Py_ssize_t next;   /* the next block to take */
} dualad_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
                 PTHREAD_MUTEX_INITIALIZER};

/* For block functions reporting to the caller through their context (GCC and Clang
 * builtins: the context's fields are plain C types). The caller reads them after
 * dualad_parallel returns, which orders every worker's writes before it. */
static inline void dualad_set_flag(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

static inline void dualad_add_u64(uint64_t *total, uint64_t value)
{
    __atomic_fetch_add(total, value, __ATOMIC_RELAXED);
}

static void dualad_take_blocks(dualad_block_fn fn, void *ctx, Py_ssize_t nblocks)
{
    Py_ssize_t b;
    while ((b = atomic_fetch_add_explicit(&dualad_pool.next, 1, memory_order_relaxed))
           < nblocks)
        fn(ctx, b);
}

static void *dualad_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned long seen;
    dualad_block_fn fn;
    void *ctx;
    Py_ssize_t nblocks;

    pthread_mutex_lock(&dualad_pool.lock);
    seen = dualad_pool.generation;
    for (;;) {
        while (dualad_pool.generation == seen)
            pthread_cond_wait(&dualad_pool.wake, &dualad_pool.lock);
        seen = dualad_pool.generation;
        if (dualad_pool.finished || id >= dualad_pool.wanted)
            continue;
        dualad_pool.active++;
        fn = dualad_pool.fn;
        ctx = dualad_pool.ctx;
        nblocks = dualad_pool.nblocks;
        pthread_mutex_unlock(&dualad_pool.lock);
        dualad_take_blocks(fn, ctx, nblocks);
        pthread_mutex_lock(&dualad_pool.lock);
        if (--dualad_pool.active == 0 && dualad_pool.finished)
            pthread_cond_signal(&dualad_pool.idle);
    }
    return NULL;
}

static void dualad_forget_workers(void)
{
    /* in the child after fork(): only the forking thread exists */
    pthread_mutex_init(&dualad_pool.lock, NULL);
    pthread_mutex_init(&dualad_pool.busy, NULL);
    pthread_cond_init(&dualad_pool.wake, NULL);
    pthread_cond_init(&dualad_pool.idle, NULL);
    dualad_pool.started = 0;
    dualad_pool.active = 0;
    dualad_pool.finished = 1;
}

static void dualad_start_workers(int count)
{
    /* IN: the lock held. Starts workers until count run (fewer if the system refuses) */
    pthread_t thread;
    pthread_attr_t attr;
    if (!dualad_pool.fork_handler) {
        pthread_atfork(NULL, NULL, dualad_forget_workers);
        dualad_pool.fork_handler = 1;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (dualad_pool.started < count) {
        if (pthread_create(&thread, &attr, dualad_worker,
                           (void *)(intptr_t)dualad_pool.started) != 0)
            break;
        dualad_pool.started++;
    }
    pthread_attr_destroy(&attr);
}

static void dualad_parallel(dualad_block_fn fn, void *ctx, Py_ssize_t nblocks, int threads)
{
    Py_ssize_t b;
    int workers = threads - 1 < DUALAD_MAX_WORKERS ? threads - 1 : DUALAD_MAX_WORKERS;
    if (workers < 1 || nblocks < 2 || pthread_mutex_trylock(&dualad_pool.busy) != 0) {
        for (b = 0; b < nblocks; b++)
            fn(ctx, b);
        return;
    }
    pthread_mutex_lock(&dualad_pool.lock);
    dualad_start_workers(workers);
    dualad_pool.fn = fn;
    dualad_pool.ctx = ctx;
    dualad_pool.nblocks = nblocks;
    dualad_pool.wanted = workers;
    dualad_pool.finished = 0;
    atomic_store_explicit(&dualad_pool.next, 0, memory_order_relaxed);
    dualad_pool.generation++;
    pthread_cond_broadcast(&dualad_pool.wake);
    pthread_mutex_unlock(&dualad_pool.lock);

    dualad_take_blocks(fn, ctx, nblocks);

    pthread_mutex_lock(&dualad_pool.lock);
    dualad_pool.finished = 1;
    while (dualad_pool.active > 0)
        pthread_cond_wait(&dualad_pool.idle, &dualad_pool.lock);
    pthread_mutex_unlock(&dualad_pool.lock);
    pthread_mutex_unlock(&dualad_pool.busy);
}

#endif
