package io.berth.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Defensive copies for the records of this package. */
final class Immutables {
    private Immutables() {}

    static <V> SortedMap<String, V> sortedMap(Map<String, V> map) {
        return map == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }

    static <T> List<T> list(List<T> list) {
        return list == null ? null : List.copyOf(list);
    }
}
