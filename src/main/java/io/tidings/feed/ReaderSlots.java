package io.tidings.feed;

import io.tidings.util.LongIntMap;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where each indexed reader's state lives: a slot per reader, in blocks of {@link ReaderBlock#SIZE} appended as readers
 * come and never copied. {@link #lock} guards the slot map, the block list and the live versions ({@link IndexVersions});
 * it is never held while scoring.
 */
final class ReaderSlots {
    final ReentrantLock lock = new ReentrantLock();
    private final int k;
    private final LongIntMap slots = new LongIntMap(1024);
    private volatile ReaderBlock[] blocks = new ReaderBlock[0];
    private volatile int size;

    ReaderSlots(int k) {
        this.k = k;
    }

    /** Readers with a slot. */
    int size() {
        return size;
    }

    /** The blocks as they are now (appended to, never changed in place). */
    ReaderBlock[] blocks() {
        return blocks;
    }

    /** The block of slot {@code s}. */
    ReaderBlock block(int s) {
        return blocks[s >> ReaderBlock.SHIFT];
    }

    /** The index of slot {@code s} within its block. */
    static int local(int s) {
        return s & (ReaderBlock.SIZE - 1);
    }

    /** The reader's slot, or -1. */
    int slotOf(long reader) {
        lock.lock();
        try {
            return slots.get(reader);
        } finally {
            lock.unlock();
        }
    }

    /** The slots of {@code readers}, given to those without one (blocks of rows {@code hidden} wide when new). */
    int[] register(long[] readers, int hidden) {
        int[] out = new int[readers.length];
        lock.lock();
        try {
            for (int i = 0; i < readers.length; i++) {
                int s = slots.get(readers[i]);
                if (s < 0) {
                    s = size;
                    if (s >> ReaderBlock.SHIFT >= blocks.length) {
                        ReaderBlock[] grown = Arrays.copyOf(blocks, blocks.length + 1);
                        grown[blocks.length] = new ReaderBlock(k, hidden);
                        blocks = grown;
                    }
                    blocks[s >> ReaderBlock.SHIFT].ids[s & (ReaderBlock.SIZE - 1)] = readers[i];
                    slots.put(readers[i], s);
                    size = s + 1;
                }
                out[i] = s;
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** Empties every set not of version {@code gi} (its readers are refilled when next asked for). */
    void dropAllBut(int gi) {
        for (ReaderBlock b : blocks) {
            b.lock.lock();
            try {
                for (int s = 0; s < ReaderBlock.SIZE; s++) if (b.gen[s] != gi && b.gen[s] != ReaderBlock.NONE) b.drop(s);
            } finally {
                b.lock.unlock();
            }
        }
    }

    /** Empties every set. */
    void dropAll() {
        for (ReaderBlock b : blocks) {
            b.lock.lock();
            try {
                for (int s = 0; s < ReaderBlock.SIZE; s++) b.drop(s);
            } finally {
                b.lock.unlock();
            }
        }
    }
}
