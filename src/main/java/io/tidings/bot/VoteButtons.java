package io.tidings.bot;

import com.pengrad.telegrambot.model.CallbackQuery;
import io.tidings.feed.FeedService;
import io.tidings.render.CallbackData;
import io.tidings.render.Messages;
import io.tidings.render.PostRenderer;
import io.tidings.store.PenaltyRepository;
import io.tidings.store.PostRepository;
import io.tidings.store.VoteRepository;
import io.tidings.store.VoteRepository.Outcome;
import io.tidings.bot.BotHandler.Ctx;
import io.tidings.render.CallbackData.Action;
import io.tidings.render.CallbackData.Press;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The buttons under a post. 👍/👎 store the vote (once per post; pressing again changes nothing, the other button
 * changes it), mark the pressed button and, on the first vote for a post, send the next post. "More" sends another
 * post. "Less from this channel" adds a time-decaying penalty for the post's channel (once per post), says so and
 * sends the next post. Data that is forged, another reader's, or for a post that is gone changes nothing and gets a
 * polite answer.
 */
public final class VoteButtons {

    private static final Logger log = LoggerFactory.getLogger(VoteButtons.class);

    private final Replies replies;
    private final Messages messages;
    private final CallbackData callbacks;
    private final PostRenderer renderer;
    private final VoteRepository votes;
    private final PostRepository posts;
    private final PenaltyRepository penalties;
    private final FeedService feed;
    private final SettingsMenu settings;
    private final ControlCommands control;
    private final io.tidings.store.DeliveryRepository deliveries;

    public VoteButtons(Replies replies, Messages messages, CallbackData callbacks, PostRenderer renderer, VoteRepository votes,
                       PostRepository posts, PenaltyRepository penalties, FeedService feed, SettingsMenu settings,
                       ControlCommands control, io.tidings.store.DeliveryRepository deliveries) {
        this.control = control;
        this.deliveries = deliveries;
        this.replies = replies;
        this.messages = messages;
        this.callbacks = callbacks;
        this.renderer = renderer;
        this.votes = votes;
        this.posts = posts;
        this.penalties = penalties;
        this.feed = feed;
        this.settings = settings;
    }

    /** Deliveries a reader may have queued or on the way before "More" is asked to wait. */
    static final long MAX_OPEN_PER_READER = 5;
    private static final int VOTE_RETRIES = ReaderRetry.RETRIES;

    Mono<Void> onPress(Ctx ctx, CallbackQuery q) {
        Optional<Press> press = callbacks.decode(ctx.user(), q.data());
        if (press.isEmpty()) {
            log.info("rejected callback data from reader {}", ctx.user());
            return replies.answer(q, msg(ctx, "callback.invalid"));
        }
        Press p = press.get();
        if (p.action() == Action.SETTING) {
            if (ControlCommands.isButton(p.arg())) {
                return ctx.registered() ? control.onPress(ctx, q, p.arg()) : replies.answer(q, msg(ctx, "hint"));
            }
            return settings.onPress(ctx, q, p.arg());
        }
        if (!ctx.registered()) return replies.answer(q, msg(ctx, "callback.unknown_post")); // nothing of ours was sent to them
        return switch (p.action()) {
            case MORE -> more(ctx, q);
            case LESS -> less(ctx, q, p);
            case MUTE -> mute(ctx, q, p);
            case FULL -> full(ctx, q, p);
            default -> vote(ctx, q, p);
        };
    }

    private Mono<Void> vote(Ctx ctx, CallbackQuery q, Press p) {
        boolean liked = p.action() == Action.LIKE;
        return votes.vote(ctx.user(), p.postId(), liked)
                // a database blip must not lose the vote: retried (an upsert, safe to repeat), and if it finally
                // fails the reader is told so, not that the post is gone
                .retryWhen(ReaderRetry.of("storing the vote of reader " + ctx.user()))
                .map(Optional::of)
                .onErrorResume(e -> {
                    log.warn("vote of reader {} for post {} not stored after {} retries: {}", ctx.user(), p.postId(),
                            VOTE_RETRIES, e.toString());
                    return Mono.just(Optional.empty());
                })
                .flatMap(stored -> stored.isEmpty() ? replies.answer(q, msg(ctx, "vote.not_saved")) : switch (stored.get()) {
                    case MISSING -> replies.answer(q, msg(ctx, "callback.unknown_post"));
                    case DELETED -> replies.answer(q, msg(ctx, "callback.deleted_post"));
                    case SAME -> replies.answer(q, msg(ctx, liked ? "vote.liked" : "vote.disliked"))
                            .then(markChosen(ctx, q, p));
                    case CHANGED -> replies.answer(q, msg(ctx, liked ? "vote.liked" : "vote.disliked"))
                            .then(markChosen(ctx, q, p));
                    case NEW -> replies.answer(q, msg(ctx, liked ? "vote.liked" : "vote.disliked"))
                            .then(markChosen(ctx, q, p))
                            .then(next(ctx, "next"));
                });
    }

    private Mono<Void> less(Ctx ctx, CallbackQuery q, Press p) {
        // the post is looked up first, so "unknown post" is answered only when it is missing (the work after an
        // answer completes empty, and must not be mistaken for a missing post: that answered twice)
        return posts.find(p.postId())
                .map(java.util.Optional::of)
                .defaultIfEmpty(java.util.Optional.empty())
                .flatMap(found -> found.isEmpty() ? replies.answer(q, msg(ctx, "callback.unknown_post"))
                        : penalties.addOnce(ctx.user(), found.get().channelId(), found.get().id(), 1.0)
                                .onErrorResume(e -> {
                                    log.info("'less' of reader {} for post {} not stored: {}", ctx.user(), p.postId(), e.toString());
                                    return replies.answer(q, msg(ctx, "callback.unknown_post")).then(Mono.empty());
                                })
                                // only after the answer: a failure from here on must not answer a second time
                                .flatMap(added -> replies.answer(q, messages.get(ctx.lang(), "vote.less",
                                                "@" + found.get().channelUsername()))
                                        .then(markChosen(ctx, q, p))
                                        .then(added ? next(ctx, "next") : Mono.empty())));
    }

    /** "Mute channel": the post's channel is muted, the button marked, and the next post sent. */
    private Mono<Void> mute(Ctx ctx, CallbackQuery q, Press p) {
        return posts.find(p.postId())
                .map(java.util.Optional::of)
                .defaultIfEmpty(java.util.Optional.empty())
                .flatMap(found -> found.isEmpty() ? replies.answer(q, msg(ctx, "callback.unknown_post"))
                        : control.muteFromPost(ctx, q, found.get().channelId(), found.get().channelUsername())
                                .then(markChosen(ctx, q, p))
                                .then(next(ctx, "next")));
    }

    /** A digest's "full post" button: the post is queued in full the first time, never again. */
    private Mono<Void> full(Ctx ctx, CallbackQuery q, Press p) {
        return feed.fullPost(ctx.user(), p.postId())
                .flatMap(queued -> replies.answer(q, msg(ctx, queued ? "digest.sending" : "digest.already")));
    }

    /** "More", unless enough is already on its way to this reader: one reader must not flood the outbox. */
    private Mono<Void> more(Ctx ctx, CallbackQuery q) {
        return deliveries.openFor(ctx.user())
                .onErrorReturn(0L)
                .flatMap(open -> open >= MAX_OPEN_PER_READER
                        ? replies.answer(q, msg(ctx, "vote.more_wait"))
                        : replies.answer(q, msg(ctx, "vote.more")).then(next(ctx, "more")));
    }

    private Mono<Void> next(Ctx ctx, String reason) {
        return feed.next(ctx.user(), reason)
                .flatMap(queued -> queued ? Mono.empty() : replies.text(ctx.user(), msg(ctx, "feed.empty")));
    }

    private Mono<Void> markChosen(Ctx ctx, CallbackQuery q, Press p) {
        if (q.maybeInaccessibleMessage() == null) return Mono.empty();
        return replies.editKeyboard(ctx.user(), q.maybeInaccessibleMessage().messageId(),
                renderer.keyboard(ctx.user(), ctx.lang(), p.postId(), p.action()));
    }

    private String msg(Ctx ctx, String key) {
        return messages.get(ctx.lang(), key);
    }
}
