#!/usr/bin/env python3
"""Writes the labelled near-duplicate set (channel.html in t.me/s markup, pairs.tsv). Run from this folder.

Each story is a realistic channel post; its reposts are the same text with what reposting channels add or cut
(a signature, emoji and hashtags, a link, a dropped last sentence, a comment in front, a forward, a changed word).
Distinct pairs are stories on the same topic with other facts (the hard case: same template, other numbers or
places) and stories on different topics."""
import html, random

RU = [
 ("ЦБ повысил ключевую ставку до 21% годовых. Регулятор объяснил решение устойчиво высокой инфляцией и ростом кредитования. Следующее заседание совета директоров пройдёт в декабре.",
  "ЦБ сохранил ключевую ставку на уровне 16% годовых. Регулятор отметил замедление инфляции и охлаждение кредитования. Следующее заседание совета директоров пройдёт в феврале."),
 ("В Москве в субботу ожидается до плюс 28 градусов и сильные грозы. МЧС просит горожан не оставлять машины под деревьями и избегать открытых пространств во время грозы.",
  "В Петербурге в воскресенье ожидается до минус 15 градусов и сильный снегопад. Коммунальные службы выведут на улицы дополнительную технику, водителей просят пересесть на метро."),
 ("Сборная России по хоккею обыграла команду Белоруссии со счётом 4:2 в товарищеском матче. Две шайбы забросил нападающий Иван Петров, ещё по одной — Соколов и Морозов.",
  "Сборная России по футболу сыграла вничью с командой Сербии со счётом 1:1 в товарищеском матче. Единственный гол у россиян забил полузащитник Алексей Миронов на 70-й минуте."),
 ("Apple представила новый iPhone с титановым корпусом и камерой на 48 мегапикселей. Продажи стартуют 22 сентября, цена базовой версии составит 999 долларов.",
  "Samsung представила новый складной смартфон Galaxy Z Fold с более лёгким корпусом и улучшенным шарниром. Продажи стартуют 10 августа, цена составит 1799 долларов."),
 ("На трассе М-11 между Москвой и Петербургом с 1 января подорожает проезд. Для легковых машин тариф вырастет в среднем на 7%, по ночам действуют скидки для владельцев транспондеров.",
  "На трассе М-12 между Москвой и Казанью открыли новый участок длиной 150 километров. Проезд по нему первые два месяца будет бесплатным для всех легковых автомобилей."),
 ("Учёные МГУ создали катализатор, который в три раза ускоряет получение водорода из воды. Статья об открытии опубликована в журнале Nature Chemistry, промышленные испытания начнутся через год.",
  "Учёные из Новосибирска вывели сорт пшеницы, устойчивый к засухе и морозам. Урожайность нового сорта в испытаниях оказалась на 20% выше обычной, его внесут в госреестр весной."),
 ("Минфин предложил продлить программу льготной ипотеки до конца следующего года. Ставка останется на уровне 8%, но максимальная сумма кредита будет снижена до шести миллионов рублей.",
  "Минтруд предложил повысить минимальный размер оплаты труда на 10% со следующего года. МРОТ составит около 21 тысячи рублей, законопроект внесут в Госдуму осенью."),
 ("В аэропорту Шереметьево из-за тумана задержаны более 40 рейсов. Пассажиров просят уточнять время вылета на сайте аэропорта, часть самолётов перенаправлена во Внуково.",
  "В аэропорту Пулково открыли новый терминал для внутренних рейсов. Он рассчитан на пять миллионов пассажиров в год, первые вылеты из него начнутся в понедельник."),
 ("Курс доллара на Московской бирже впервые с весны опустился ниже 90 рублей. Аналитики связывают укрепление рубля с продажей валютной выручки экспортёрами перед налоговым периодом.",
  "Курс евро на Московской бирже впервые с лета поднялся выше 105 рублей. Аналитики связывают ослабление рубля с сезонным спросом импортёров на валюту в конце квартала."),
 ("Музей Эрмитаж с понедельника открывает выставку работ Караваджо из частных коллекций Италии. Билеты можно купить только онлайн, сеансы расписаны по получасам.",
  "Третьяковская галерея продлила выставку Айвазовского до конца марта из-за большого спроса. Вечерние сеансы по четвергам и пятницам будут работать до десяти часов."),
 ("Компания Яндекс запустила в Казани беспилотные такси без водителя в салоне. Пока сервис работает в трёх районах города и доступен пользователям по приглашениям.",
  "Компания Сбер открыла в Новосибирске первый в стране магазин без касс и продавцов. Покупатели расплачиваются через приложение, камеры сами определяют взятые товары."),
 ("Роскосмос перенёс запуск ракеты Союз с грузовым кораблём Прогресс на сутки из-за сильного ветра на Байконуре. Новая дата старта — четверг, 12:45 по московскому времени.",
  "Роскосмос успешно вывел на орбиту спутник связи Экспресс с космодрома Восточный. Аппарат начнёт работу через два месяца после проверки всех систем."),
 ("В Подмосковье за выходные собрали рекордный урожай грибов: лесники просят грибников не уходить далеко от дорог. С начала месяца в лесах заблудились более 200 человек.",
  "В Карелии за неделю потушили 15 лесных пожаров, площадь возгорания превысила 300 гектаров. Вход в леса в трёх районах республики временно ограничен."),
 ("Госдума приняла закон о запрете продажи энергетиков несовершеннолетним. За нарушение магазинам грозит штраф до 500 тысяч рублей, закон вступит в силу с марта.",
  "Госдума отклонила законопроект о четырёхдневной рабочей неделе. Депутаты сочли, что переход на новый график сейчас навредит экономике и производству."),
 ("Метро Москвы с 5 ноября закрывает на ремонт участок Таганско-Краснопресненской линии. Между станциями будут курсировать бесплатные автобусы, ремонт продлится месяц.",
  "Метро Петербурга с понедельника открывает две новые станции Красносельско-Калининской линии. Поезда будут ходить с интервалом в семь минут в часы пик."),
 ("Российские теннисистки вышли в финал Кубка Билли Джин Кинг, обыграв сборную Чехии. В решающем матче Анна Смирнова победила в трёх сетах, финал пройдёт в воскресенье.",
  "Российские фигуристы завоевали три золотые медали на этапе Гран-при в Японии. Лучший результат в произвольной программе показала Елена Ковалёва, побив личный рекорд."),
]
EN = [
 ("The European Central Bank raised interest rates by a quarter point to 4.5%, its tenth increase in a row. President Lagarde said inflation is still expected to remain too high for too long.",
  "The Bank of England held interest rates at 5.25% for the third meeting in a row. Governor Bailey said it was too early to think about cuts while wage growth stays strong."),
 ("A magnitude 6.8 earthquake struck central Morocco late on Friday, killing more than 2,000 people. Rescue teams are still searching collapsed villages in the Atlas Mountains.",
  "A magnitude 7.1 earthquake hit southern Mexico on Thursday evening, shaking buildings in the capital. Officials reported minor damage and no deaths so far."),
 ("NASA's Perseverance rover has collected its tenth rock sample from the Jezero crater on Mars. Scientists believe the rock formed in a lake billions of years ago and may hold traces of ancient life.",
  "NASA's Juno probe has sent back the closest images yet of Jupiter's moon Io, showing active volcanoes. Scientists counted more than a dozen eruptions on the surface."),
 ("Microsoft agreed to buy game maker Activision Blizzard for $69 billion after regulators in Britain approved a revised deal. The company will sell cloud streaming rights to Ubisoft.",
  "Google agreed to pay $700 million to settle claims over its Play Store fees in the United States. The company will also make it easier to install apps from other stores."),
 ("Heavy rain caused flooding across northern Italy, forcing thousands of people to leave their homes. The Emilia-Romagna region declared a state of emergency as rivers burst their banks.",
  "A heatwave pushed temperatures above 45 degrees in southern Spain, setting a new national record. Authorities closed schools and parks in Seville and Cordoba in the afternoon."),
 ("Real Madrid beat Manchester City 2-1 in the first leg of the Champions League semi-final. Vinicius scored a stunning goal from outside the box before Foden equalised.",
  "Arsenal drew 1-1 with Bayern Munich in the first leg of the Champions League quarter-final. Saka scored from the penalty spot before Kane equalised late in the game."),
 ("OpenAI released a new version of its language model that can read images and answer questions about them. The company said the model passed a bar exam in the top ten percent of test takers.",
  "Meta released a new open source language model trained on twice as much data as its predecessor. The company said researchers and businesses can use it for free."),
 ("Tesla cut prices of its Model 3 and Model Y cars in the United States by up to 20% to boost demand. Shares of the company fell 4% after the announcement.",
  "Ford delayed the launch of its new electric pickup truck by a year, citing weaker demand. Shares of the company rose 2% after it kept its profit forecast."),
 ("The World Health Organization said the number of measles cases worldwide rose by 18% last year. Vaccination rates fell during the pandemic and have not yet recovered in many countries.",
  "The World Health Organization approved a second malaria vaccine for children in Africa. It is cheaper than the first one and can be produced in larger amounts."),
 ("Amazon will open its first fully automated warehouse in Poland next spring, employing 500 people. Robots will handle most of the sorting and packing of parcels.",
  "IKEA will close its only store in Minsk next month as part of a wider review of its business. About 300 employees will be offered jobs at other stores."),
 ("The James Webb Space Telescope spotted carbon dioxide in the atmosphere of a planet outside the solar system. It is the first clear detection of the gas on an exoplanet.",
  "The Hubble Space Telescope captured a detailed image of a galaxy 60 million light years away. Astronomers say the galaxy is forming new stars at a very high rate."),
 ("Twitter will limit the number of posts users can read per day to fight data scraping, Elon Musk said on Saturday. Verified accounts will be able to read 6,000 posts a day.",
  "Reddit will start charging companies for access to its data to train AI models, the company said on Tuesday. Free access will remain for researchers and small apps."),
 ("Paris will ban rented electric scooters from September after residents voted against them in a referendum. Almost 90% of voters supported the ban, though turnout was low.",
  "London will extend its ultra low emission zone to cover the whole city from August. Drivers of older cars will pay a daily charge of 12.50 pounds."),
 ("Japan's economy grew at an annual rate of 6% in the second quarter, much faster than expected. Exports of cars and a rebound in tourism drove the growth.",
  "Germany's economy shrank by 0.3% in the first quarter, entering a technical recession. High energy prices and weak consumer spending weighed on growth."),
]


# hard cases, written by hand: the same template with other facts (distinct), heavier edits of one story (near-duplicates)
HARD = [
 ("ЦБ установил официальный курс доллара на 1 декабря в размере 92,51 рубля, евро — 100,12 рубля, юаня — 12,71 рубля.",
  "ЦБ установил официальный курс доллара на 2 декабря в размере 93,05 рубля, евро — 101,40 рубля, юаня — 12,80 рубля.", 0, "ru", "template, other numbers"),
 ("Погода в Москве на завтра: днём до плюс 5, ночью до минус 2, облачно, без осадков, ветер западный 3–5 метров в секунду.",
  "Погода в Москве на завтра: днём до плюс 1, ночью до минус 6, мокрый снег, гололедица, ветер северный 7–9 метров в секунду.", 0, "ru", "template, other numbers"),
 ("Bitcoin rose 3% to $43,200 on Monday, its highest level since April, as traders bet on the approval of spot ETFs.",
  "Bitcoin fell 5% to $38,900 on Tuesday, its lowest level since March, as traders sold after the ETF decision was delayed.", 0, "en", "template, other facts"),
 ("Daily briefing, Monday: markets open higher, oil at $82, the dollar steady against the euro, gold slightly down.",
  "Daily briefing, Tuesday: markets open lower, oil at $79, the dollar weaker against the euro, gold slightly up.", 0, "en", "template, other facts"),
 ("В Новосибирске открылся новый ледовый дворец на 10 тысяч зрителей. Первым матчем на новой арене станет игра Сибири и Авангарда в пятницу. Билеты уже распроданы. Строительство арены обошлось в 12 миллиардов рублей и заняло три года.",
  "В Новосибирске открылся новый ледовый дворец на 10 тысяч зрителей. Первым матчем на новой арене станет игра Сибири и Авангарда в пятницу.", 1, "ru", "cut to half"),
 ("Apple will stop selling the iPhone 12 in France after regulators found that its radiation levels were above the legal limit. The company disputes the findings and says it will issue a software update.",
  "France orders Apple to stop selling the iPhone 12 after regulators found that its radiation levels were above the legal limit. Apple disputes the findings and says it will issue a software update for users in France.", 1, "en", "rewritten opening"),
 ("Мэрия Москвы объявила, что с 1 января проезд в метро по карте Тройка подорожает до 63 рублей. Стоимость разового билета вырастет до 70 рублей, цена абонементов на месяц тоже увеличится.",
  "⚡️ С 1 января проезд в метро по карте «Тройка» подорожает до 63 рублей, объявила мэрия Москвы. Стоимость разового билета вырастет до 70 рублей, цена абонементов на месяц тоже увеличится.\n\n#москва #транспорт", 1, "ru", "rewritten opening, emoji, hashtags"),
 ("The city council approved a plan to build 2,000 new homes on the former airport site, with a third of them set aside as affordable housing. Construction will begin next year and take about five years.",
  "The city council rejected a plan to build 2,000 new homes on the former airport site after residents complained about traffic. The developer said it would submit a smaller proposal next year.", 0, "en", "same opening, other outcome"),
]

SIG_RU = ["👉 Подписывайтесь на @novosti_24", "Источник: РИА Новости", "❗️Подпишись, чтобы не пропустить: t.me/live_news", "Больше новостей — в нашем канале @glavnoe"]
SIG_EN = ["👉 Follow @worldnews_now for more", "Source: Reuters", "Subscribe: t.me/breaking_feed", "More at @dailybrief"]
TAGS_RU = ["#новости #экономика", "#срочно", "#россия #политика", "#спорт"]
TAGS_EN = ["#news #economy", "#breaking", "#world", "#sport"]
LINK_RU = "Подробнее: https://example.ru/news/{}"
LINK_EN = "Read more: https://example.com/story/{}"
PRE_RU = ["⚡️ Срочно!", "Важно:", "🔥 Главное за утро:", "Коротко:"]
PRE_EN = ["⚡️ BREAKING:", "Important:", "🔥 Top story:", "In short:"]
SWAP_RU = [("заявил", "сообщил"), ("пройдёт", "состоится"), ("составит", "будет"), ("начнутся", "стартуют"), ("просят", "призывают")]
SWAP_EN = [(" said", " stated"), (" will ", " is going to "), ("more than", "over"), ("after", "following")]

def sentences(t):
    out, cur = [], ""
    for part in t.split(". "):
        out.append(part if part.endswith(".") else part + ".")
    return out

def variants(text, ru, i, rnd):
    sig, tags, pre, swap = (SIG_RU, TAGS_RU, PRE_RU, SWAP_RU) if ru else (SIG_EN, TAGS_EN, PRE_EN, SWAP_EN)
    link = (LINK_RU if ru else LINK_EN).format(1000 + i)
    s = sentences(text)
    vs = []
    vs.append(("signature", text + "\n\n" + sig[i % len(sig)], False))
    vs.append(("emoji+hashtags", pre[i % len(pre)].split()[0] + " " + text + "\n\n" + tags[i % len(tags)], False))
    vs.append(("link", text + "\n" + link, False))
    if len(s) >= 3:
        vs.append(("cut", " ".join(s[:-1]) + "\n" + link, False))
    vs.append(("comment", pre[(i + 1) % len(pre)] + "\n" + text.replace(", ", ", ", 1), False))
    vs.append(("forward", text, True))
    w = text
    for a, b in swap:
        if a in w:
            w = w.replace(a, b, 1)
            break
    vs.append(("reworded", w + "\n\n" + tags[(i + 1) % len(tags)], False))
    rnd.shuffle(vs)
    return vs[:3]

def emojify(t):
    # t.me wraps emoji: <i class="emoji" style="background-image:url('…')"><b>⚡️</b></i>
    out = []
    for ch in t:
        if ord(ch) > 0x2500 and not ('\u0400' <= ch <= '\u04ff') and ch not in "«»—–…№":
            out.append('<i class="emoji" style="background-image:url(\'//telegram.org/img/emoji/40/%s.png\')"><b>%s</b></i>' % (format(ord(ch), 'X'), html.escape(ch)))
        else:
            out.append(html.escape(ch))
    return "".join(out)

def markup(text):
    lines = []
    for line in text.split("\n"):
        words = []
        for w in line.split(" "):
            if w.startswith("#"):
                words.append('<a href="?q=%23{}">{}</a>'.format(html.escape(w[1:]), html.escape(w)))
            elif w.startswith("http") or w.startswith("t.me/"):
                href = w if w.startswith("http") else "https://" + w
                words.append('<a href="{}" target="_blank" rel="noopener">{}</a>'.format(html.escape(href), html.escape(w)))
            elif w.startswith("@"):
                words.append('<a href="https://t.me/{}">{}</a>'.format(html.escape(w[1:]), html.escape(w)))
            else:
                words.append(emojify(w))
        lines.append(" ".join(words))
    return "<br/>".join(lines)

def post(mid, text, forwarded):
    fwd = ""
    if forwarded:
        fwd = ('<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;<a class="tgme_widget_message_forwarded_from_name" '
               'href="https://t.me/origin_channel"><span dir="auto">Origin Channel</span></a></div>\n')
    return ('<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            'data-post="neardup/{id}" data-view="x">\n<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>\n'
            '<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/neardup"><span dir="auto">Near Duplicates</span></a></div>\n'
            '{fwd}<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>\n'
            '<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">'
            '<span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views</span>'
            '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/neardup/{id}">'
            '<time datetime="2026-11-29T10:{mm:02d}:00+00:00" class="time">10:{mm:02d}</time></a></span></div></div>\n</div>\n</div></div>\n'
            ).format(id=mid, fwd=fwd, text=markup(text), mm=mid % 60)

rnd = random.Random(13)
posts, pairs = [], []
def add(text, fwd=False):
    posts.append((len(posts) + 1, text, fwd))
    return len(posts)

stories = []
for lang, items in (("ru", RU), ("en", EN)):
    for i, (a, b) in enumerate(items):
        ia = add(a)
        ib = add(b)
        stories.append((lang, ia, a))
        stories.append((lang, ib, b))
        pairs.append((ia, ib, 0, lang, "same topic, other facts"))
        for kind, text, fwd in variants(a, lang == "ru", i, rnd):
            pairs.append((ia, add(text, fwd), 1, lang, kind))
        for kind, text, fwd in variants(b, lang == "ru", i + 7, rnd)[:1]:
            pairs.append((ib, add(text, fwd), 1, lang, kind))
for a, b, label, lang, kind in HARD:
    pairs.append((add(a), add(b), label, lang, kind))

# Templates: the posts channels write every day in the same words, with other numbers, names or places. Each pair of
# fillings is two distinct stories; a repost of one filling (a signature, hashtags, a link) is still its near-duplicate.
TEMPLATES = [
 ("ru", "Официальный курс доллара на {d} {m} установлен Центробанком на уровне {a},{b} рубля, курс евро — {c},{e} рубля. Курсы действуют со следующего рабочего дня после их установления и применяются для расчётов по налогам и пошлинам."),
 ("ru", "Погода в {city} на {d} {m}: днём от {a} до {b} градусов, ночью около {c}, {sky}. Ветер {wind}, {e} метров в секунду. Атмосферное давление в пределах нормы, осадков синоптики не ожидают до конца недели."),
 ("ru", "{team1} обыграл {team2} со счётом {a}:{b} в матче {d}-го тура Российской премьер-лиги. Решающий мяч на {c}-й минуте забил {name}. После этой победы команда поднялась на {e}-е место в турнирной таблице."),
 ("ru", "В {city} за сутки выявили {a} новых случаев гриппа и ОРВИ, это на {b}% больше, чем неделей ранее. Госпитализированы {c} человек. Роспотребнадзор рекомендует носить маски в общественном транспорте и чаще проветривать помещения."),
 ("ru", "{name}, {a}-летний житель {city}, выиграл в лотерею {b} миллионов рублей. Победитель рассказал, что покупал билеты каждую неделю на протяжении {c} лет и потратит выигрыш на квартиру для детей и новую машину."),
 ("en", "The official exchange rate for {m} {d} was set at {a}.{b} per dollar and {c}.{e} per euro. The rates apply from the next business day and are used for customs payments and tax calculations."),
 ("en", "Weather for {city} on {m} {d}: highs of {a} degrees, lows around {c}, {sky}. Winds {wind} at {e} miles per hour. Forecasters expect no rain until the end of the week and pressure within the normal range."),
 ("en", "{team1} beat {team2} {a}-{b} in round {d} of the Premier League. {name} scored the winner in the {c}th minute. The victory lifts the club to {e}th place in the table ahead of next week's derby."),
 ("en", "{name}, a {a}-year-old from {city}, won ${b} million in the state lottery. The winner said they had bought tickets every week for {c} years and plans to spend the money on a house for the family and a new car."),
 ("en", "{company} shares rose {a}.{b}% on Monday after the company reported quarterly revenue of ${c} billion, above analysts' expectations. The company also raised its forecast for the full year and announced a new buyback programme."),
]
FILL = {
 "ru": dict(city=["Москве", "Казани", "Новосибирске", "Самаре", "Перми", "Омске"], m=["марта", "апреля", "мая", "июня"],
            sky=["облачно", "ясно", "переменная облачность"], wind=["западный", "северный", "южный"],
            team1=["Спартак", "Зенит", "Локомотив", "ЦСКА"], team2=["Динамо", "Ростов", "Краснодар", "Рубин"],
            name=["Иван Петров", "Алексей Смирнов", "Дмитрий Козлов", "Сергей Волков"]),
 "en": dict(city=["Boston", "Denver", "Seattle", "Austin", "Chicago", "Atlanta"], m=["March", "April", "May", "June"],
            sky=["cloudy", "sunny", "partly cloudy"], wind=["westerly", "northerly", "southerly"],
            team1=["Arsenal", "Chelsea", "Liverpool", "Everton"], team2=["Fulham", "Brentford", "Wolves", "Burnley"],
            name=["John Carter", "Emily Brown", "Michael Reed", "Sarah Cole"], company=["Nvidia", "Oracle", "Adobe", "Intel"]),
}
def fill(lang, template, k):
    f = FILL[lang]
    words = {key: rnd.choice(vals) for key, vals in f.items()}
    nums = dict(a=rnd.randint(2, 99), b=rnd.randint(10, 99), c=rnd.randint(2, 89), d=rnd.randint(1, 28), e=rnd.randint(2, 19))
    if k == 1:  # the second filling: other names only, the numbers kept (the hardest case)
        words = {key: rnd.choice([v for v in vals if v != words0[key]] or vals) for key, vals in f.items()}
        nums = dict(nums0)
    return template.format(**words, **nums), words, nums
for t, (lang, template) in enumerate(TEMPLATES):
    for case in ("numbers", "names", "numbers"):
        first, words0, nums0 = fill(lang, template, 0)
        second = fill(lang, template, 1 if case == "names" else 0)[0]
        if second == first:
            continue
        ia, ib = add(first), add(second)
        pairs.append((ia, ib, 0, lang, "template, other " + case))
    for kind, text, fwd in variants(first, lang == "ru", t, rnd)[:2]:
        pairs.append((ia, add(text, fwd), 1, lang, "template " + kind))
# distinct stories of other topics, in the same and the other language
for k in range(60):
    x, y = rnd.sample(stories, 2)
    if abs(x[1] - y[1]) == 1:
        continue
    pairs.append((x[1], y[1], 0, x[0] + "/" + y[0], "other story"))

with open("channel.html", "w", encoding="utf-8") as f:
    f.write('<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Near Duplicates – Telegram</title></head>\n<body class="widget_frame_base tgme_webpreview_body">\n'
            '<main class="tgme_main" data-url="/s/neardup">\n<section class="tgme_channel_history js-message_history">\n')
    for mid, text, fwd in posts:
        f.write(post(mid, text, fwd))
    f.write("</section>\n</main>\n</body>\n</html>\n")
with open("pairs.tsv", "w", encoding="utf-8") as f:
    f.write("# post_a\tpost_b\tnear_duplicate\tlanguage\tkind\n")
    for p in pairs:
        f.write("\t".join(map(str, p)) + "\n")
print(len(posts), "posts,", sum(p[2] for p in pairs), "near-duplicate and", sum(1 - p[2] for p in pairs), "distinct pairs")
