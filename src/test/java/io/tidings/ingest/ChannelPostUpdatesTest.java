package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.utility.BotUtils;
import com.pengrad.telegrambot.model.Update;
import io.tidings.TestDatabase;
import io.tidings.store.ChannelRepository;
import io.tidings.store.ChannelStatus;
import io.tidings.store.Database;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChannelPostUpdatesTest {

    private static final Duration T = Duration.ofSeconds(30);
    private final List<Post> announced = new ArrayList<>();
    private Database db;
    private ChannelPostUpdates updates;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        announced.clear();
        updates = new ChannelPostUpdates(new ChannelRepository(db), new PostRepository(db), announced::add, true);
    }

    private static Update update(String field, String chat, int messageId, String text) {
        return BotUtils.parseUpdate("{\"update_id\":1,\"" + field + "\":{\"message_id\":" + messageId
                + ",\"date\":1764320000,\"chat\":" + chat + ",\"text\":\"" + text + "\"}}");
    }

    private static final String CHANNEL = "{\"id\":-1001,\"type\":\"channel\",\"title\":\"Night <Owls>\",\"username\":\"NightOwls\"}";

    @Test
    void aChannelPostIsStoredOnceAndAnnouncedOnce() {
        Update u = update("channel_post", CHANNEL, 7, "hello <b>");
        updates.accept(u.channelPost(), false).block(T);
        updates.accept(u.channelPost(), false).block(T);
        assertThat(announced).hasSize(1);
        Post p = announced.get(0);
        assertThat(p.channelUsername()).isEqualTo("nightowls");
        assertThat(p.messageId()).isEqualTo(7);
        assertThat(p.text()).isEqualTo("hello <b>");
        assertThat(p.html()).isEqualTo("hello &lt;b&gt;");
        assertThat(p.publishedAt().getEpochSecond()).isEqualTo(1764320000L);
        assertThat(new ChannelRepository(db).findByUsername("nightowls").block(T)).isNotNull();
    }

    @Test
    void anEditedChannelPostUpdatesTheStoredOne() {
        updates.accept(update("channel_post", CHANNEL, 8, "first").channelPost(), false).block(T);
        Update edit = update("edited_channel_post", CHANNEL, 8, "second");
        updates.accept(edit.editedChannelPost(), true).block(T);
        Post stored = new PostRepository(db).find(announced.get(0).id()).block(T);
        assertThat(stored.text()).isEqualTo("second");
        assertThat(announced).hasSize(1);
    }

    @Test
    void postsOfPrivateChannelsOrOtherChatsAreIgnored() {
        updates.accept(update("channel_post", "{\"id\":-1002,\"type\":\"channel\",\"title\":\"secret\"}", 1, "x").channelPost(), false).block(T);
        updates.accept(update("channel_post", "{\"id\":5,\"type\":\"private\",\"username\":\"someone_here\"}", 1, "x").channelPost(), false).block(T);
        updates.accept(update("channel_post", "{\"id\":-1003,\"type\":\"channel\",\"username\":\"ab\"}", 1, "x").channelPost(), false).block(T);
        assertThat(announced).isEmpty();
        assertThat(new ChannelRepository(db).active().collectList().block(T)).isEmpty();
    }

    @Test
    void postsOfHeldOrRemovedChannelsAreNotStored() {
        ChannelRepository channels = new ChannelRepository(db);
        new ChannelPostUpdates(channels, new PostRepository(db), announced::add, false)
                .accept(update("channel_post", CHANNEL, 9, "held").channelPost(), false).block(T);
        assertThat(channels.findByUsername("nightowls").block(T).status()).as("held for an operator").isEqualTo(ChannelStatus.HELD);
        channels.ensure("removedone").block(T);
        channels.setStatus("removedone", ChannelStatus.REMOVED).block(T);
        updates.accept(update("channel_post", "{\"id\":-1009,\"type\":\"channel\",\"username\":\"removedone\"}", 3, "x")
                .channelPost(), false).block(T);
        assertThat(announced).isEmpty();
        assertThat(db.sql().one("SELECT count(*) AS n FROM posts", r -> r.get("n", Long.class)).block(T)).isZero();
    }
}
