package io.tidings.bot;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the bot's conversation with readers (README, "Configuration").
 *
 * @param operators          Telegram user ids allowed to use operator commands (OPERATORS)
 * @param defaultMailingTimes the service's mailing times, shown to readers who did not choose their own (MAILING_TIMES)
 * @param commandBurst       messages a reader may send at once, default 8 (READER_COMMAND_BURST); button presses get 4×
 * @param commandsPerMinute  sustained messages per reader per minute, default 30 (READER_COMMANDS_PER_MINUTE); presses 4×
 * @param floodSilence       how long a flooding reader is ignored after one warning, default 60 s (READER_FLOOD_SILENCE_SECONDS)
 * @param lessHalfLife       how fast "Less from this channel" wears off: its penalty halves every this long, default
 *                           14 days (LESS_FROM_CHANNEL_HALF_LIFE_DAYS)
 * @param channelPosts       how many latest posts /channel NAME sends, default 3
 */
public record BotConfig(Set<Long> operators, List<LocalTime> defaultMailingTimes, int commandBurst, int commandsPerMinute,
                        Duration floodSilence, Duration lessHalfLife, int channelPosts) {

    public BotConfig {
        operators = Set.copyOf(operators);
        defaultMailingTimes = List.copyOf(defaultMailingTimes);
        if (commandBurst < 1 || commandsPerMinute < 1) throw new IllegalArgumentException("command limits must be positive");
        Objects.requireNonNull(floodSilence, "floodSilence");
        if (lessHalfLife.isNegative() || lessHalfLife.isZero()) throw new IllegalArgumentException("lessHalfLife must be positive");
        if (channelPosts < 1 || channelPosts > 10) throw new IllegalArgumentException("channelPosts must be 1..10");
    }

    public static BotConfig defaults(Set<Long> operators, List<LocalTime> mailingTimes) {
        return new BotConfig(operators, mailingTimes, 8, 30, Duration.ofSeconds(60), Duration.ofDays(14), 3);
    }

    public boolean isOperator(long userId) {
        return operators.contains(userId);
    }
}
