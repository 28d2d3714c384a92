package io.tidings.feed;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to non-negative int values on two primitive arrays: no boxing,
 * no entry objects, so a hundred thousand readers cost about 3 MB. Not thread-safe; removal is not needed.
 */
final class LongIntMap {

    private static final int FREE = -1;
    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(values, FREE);
        mask = cap - 1;
    }

    int size() {
        return size;
    }

    /** The value of {@code key}, or -1. */
    int get(long key) {
        for (int i = index(key); ; i = (i + 1) & mask) {
            int v = values[i];
            if (v == FREE || keys[i] == key) return v;
        }
    }

    void put(long key, int value) {
        if (value < 0) throw new IllegalArgumentException("negative value");
        if ((size + 1) * 2 > keys.length) grow();
        for (int i = index(key); ; i = (i + 1) & mask) {
            if (values[i] == FREE) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
    }

    private int index(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(values, FREE);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != FREE) put(oldKeys[i], oldValues[i]);
        }
    }
}
