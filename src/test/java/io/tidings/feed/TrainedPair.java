package io.tidings.feed;

import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import io.tidings.model.train.Trainer;
import io.tidings.model.train.Vote;
import io.tidings.model.train.VoteLog;
import io.tidings.model.offline.SyntheticVotes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Two models of one network shape trained on the same synthetic votes (A on all, B on the first half), trained once per
 * test JVM for the candidate-index tests: their readers, and each voted post's channel.
 */
final class TrainedPair {

    static final TrainedModel A;
    static final TrainedModel B;
    static final long[] READERS;
    static final Map<Long, Long> CHANNEL_OF_POST;

    static {
        VoteLog log = SyntheticVotes.generate(60, 12, 600, 3000, 10, 7);
        List<Vote> votes = log.votes(0, log.size());
        A = new Trainer(ModelConfig.defaults()).train(votes).model();
        B = new Trainer(ModelConfig.defaults()).train(votes.subList(0, votes.size() / 2)).model();
        TreeSet<Long> readers = new TreeSet<>();
        Map<Long, Long> channels = new LinkedHashMap<>();
        for (Vote v : votes) {
            readers.add(v.reader());
            channels.put(v.post(), v.channel());
        }
        READERS = readers.stream().mapToLong(Long::longValue).toArray();
        CHANNEL_OF_POST = java.util.Collections.unmodifiableMap(channels);
    }

    private TrainedPair() {}
}
