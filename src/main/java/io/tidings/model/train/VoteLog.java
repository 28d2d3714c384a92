package io.tidings.model.train;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Votes with timestamps, as in the offline-evaluation CSV {@code user,channel,post,vote,ts} (string ids,
 * vote 1 or 0, ts in epoch seconds). String ids become dense longs; a post id is taken within its channel
 * (message ids repeat across channels). Kept sorted by time, oldest first (stable for equal times).
 */
public final class VoteLog {
    /** The CSV header this class reads and writes. */
    public static final String HEADER = "user,channel,post,vote,ts";

    /** One vote with its time. */
    public record Timed(Vote vote, long ts) {
    }

    private final List<Timed> votes;

    private VoteLog(List<Timed> votes) {
        List<Timed> sorted = new ArrayList<>(votes);
        sorted.sort(Comparator.comparingLong(Timed::ts));
        this.votes = List.copyOf(sorted);
    }

    public static VoteLog of(List<Timed> votes) {
        return new VoteLog(votes);
    }

    public int size() {
        return votes.size();
    }

    public List<Timed> timed() {
        return votes;
    }

    /** The votes {@code from .. to)} in time order, without times. */
    public List<Vote> votes(int from, int to) {
        List<Vote> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(votes.get(i).vote());
        }
        return out;
    }

    /** Index splitting the oldest {@code fraction} of votes from the rest. */
    public int splitIndex(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1): " + fraction);
        }
        return (int) Math.round(votes.size() * fraction);
    }

    /** Reads a vote CSV; throws {@link IllegalArgumentException} naming the line of the first bad row. */
    public static VoteLog read(Path file) {
        Map<String, Long> readers = new HashMap<>();
        Map<String, Long> channels = new HashMap<>();
        Map<String, Long> posts = new HashMap<>();
        List<Timed> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !header.strip().replace("\uFEFF", "").equals(HEADER)) {
                throw new IllegalArgumentException(file + ": expected the header '" + HEADER + "'");
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 5) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": expected 5 fields, got " + f.length);
                }
                String vote = f[3].strip();
                if (!vote.equals("1") && !vote.equals("0")) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": vote must be 1 or 0: '" + vote + "'");
                }
                long ts;
                try {
                    ts = (long) Double.parseDouble(f[4].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": bad ts '" + f[4] + "'");
                }
                String channel = f[1].strip();
                long r = readers.computeIfAbsent(f[0].strip(), k -> (long) readers.size());
                long c = channels.computeIfAbsent(channel, k -> (long) channels.size());
                long p = posts.computeIfAbsent(channel + '/' + f[2].strip(), k -> (long) posts.size());
                out.add(new Timed(new Vote(r, c, p, vote.equals("1")), ts));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new VoteLog(out);
    }

    /** Writes the votes as CSV with ids {@code u<reader>}, {@code c<channel>} and the post id. */
    public void write(Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.newLine();
            for (Timed t : votes) {
                Vote v = t.vote();
                w.write("u" + v.reader() + ",c" + v.channel() + "," + v.post() + "," + (v.like() ? 1 : 0) + ","
                        + t.ts());
                w.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Distinct readers, channels and posts, for reports. */
    public int[] distinct() {
        java.util.Set<Long> r = new java.util.HashSet<>();
        java.util.Set<Long> c = new java.util.HashSet<>();
        java.util.Set<Long> p = new java.util.HashSet<>();
        for (Timed t : votes) {
            r.add(t.vote().reader());
            c.add(t.vote().channel());
            p.add(t.vote().post());
        }
        return new int[] {r.size(), c.size(), p.size()};
    }
}
