package io.tidings.util;

import java.util.Arrays;

/**
 * Open-addressing map from long ids to non-negative ints (embedding rows, candidate slots), without boxing or
 * entry objects: a hundred thousand ids cost about 3 MB. Not thread-safe for writes;
 * concurrent reads of a map that is no longer written are safe once it was safely published.
 */
public final class LongIntMap {
    private static final int EMPTY = -1;

    private long[] keys;
    private int[] values;
    private int mask;
    private int size;

    public LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, (int) Math.min(1 << 30, expected * 2L)) - 1) << 1;
        keys = new long[cap];
        values = new int[cap];
        Arrays.fill(values, EMPTY);
        mask = cap - 1;
    }

    public int size() {
        return size;
    }

    /** The row of {@code key}, or -1. */
    public int get(long key) {
        int i = slot(key);
        while (true) {
            int v = values[i];
            if (v == EMPTY || keys[i] == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Maps {@code key} to {@code value} (>= 0), replacing any previous value. */
    public void put(long key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("value must be >= 0");
        }
        if ((size + 1) * 2L > keys.length) {
            grow();
        }
        int i = slot(key);
        while (values[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldValues.length * 2];
        Arrays.fill(values, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        h ^= h >>> 32;
        return (int) h & mask;
    }
}
