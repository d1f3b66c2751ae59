package com.example.app.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class DeadlockCheckTest {

    @Test
    void aHealthyJvmHasNoDeadlockedThreads() {
        assertEquals(0, new DeadlockCheck().deadlockedThreadCount());
    }

    /**
     * Two threads take two locks in opposite order: a real deadlock, which the JVM reports. The
     * locks are interruptible so that the test can end the deadlock and leave the JVM healthy.
     */
    @Test
    void seesARealDeadlock() throws InterruptedException {
        ReentrantLock first = new ReentrantLock();
        ReentrantLock second = new ReentrantLock();
        CountDownLatch bothHoldOne = new CountDownLatch(2);
        List<Thread> threads = List.of(
                start(() -> lockInOrder(first, second, bothHoldOne)),
                start(() -> lockInOrder(second, first, bothHoldOne)));
        try {
            assertTrue(bothHoldOne.await(5, TimeUnit.SECONDS), "the two threads never took their first lock");
            DeadlockCheck check = new DeadlockCheck();
            int found = 0;
            for (int attempt = 0; attempt < 50 && found == 0; attempt++) {
                found = check.deadlockedThreadCount();
                Thread.sleep(100);
            }
            assertEquals(2, found, "expected the two deadlocked threads to be reported");
        } finally {
            for (Thread thread : threads) {
                thread.interrupt();
                thread.join(5_000);
            }
        }
        assertEquals(0, new DeadlockCheck().deadlockedThreadCount(), "the deadlock outlived its threads");
    }

    private static void lockInOrder(ReentrantLock a, ReentrantLock b, CountDownLatch bothHoldOne) {
        a.lock();
        try {
            bothHoldOne.countDown();
            bothHoldOne.await();
            b.lockInterruptibly();
            b.unlock();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            a.unlock();
        }
    }

    private static Thread start(Runnable body) {
        Thread thread = new Thread(body, "deadlock-fixture");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
