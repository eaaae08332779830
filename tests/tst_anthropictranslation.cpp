// The Messages API translated onto Chat Completions and back (contract section 13), as pure functions: the request
// (toChatCompletions), a whole answer (translateCompletion), a stream (ChatStreamTranslator, cut at every byte), the
// filters that apply them to an answer on its way (ChatToMessagesFilter, ErrorShapeFilter) and Anthropic's error
// shape. JSON in this file is written with single quotes, which j() turns into double quotes.

#include "anthropic/errors.h"
#include "anthropic/messagesanswer.h"
#include "anthropic/messagesfilters.h"
#include "anthropic/messagesrequest.h"
#include "http/httpresponder.h"
#include "mock/mockreply.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace obleth;
using anthropic::AnswerContext;
using anthropic::ChatStreamTranslator;

namespace {

/// @p json with its single quotes as double quotes (JSON in a C++ string without a wall of backslashes).
QByteArray j(const char *json)
{
    QByteArray s(json);
    s.replace('\'', '"');
    return s;
}

QJsonObject obj(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (!doc.isObject())
        qWarning() << "not a JSON object:" << error.errorString() << json;
    return doc.object();
}

AnswerContext context()
{
    AnswerContext c;
    c.model = QStringLiteral("claude-x");
    c.messageId = "msg_test";
    c.stopSequences = QStringList{QStringLiteral("END"), QStringLiteral("###")};
    c.inputTokenEstimate = 7;
    return c;
}

// The events of a translated stream, as Anthropic writes them.
QByteArray ev(const char *name, const char *json)
{
    return QByteArray("event: ") + name + "\ndata: " + j(json) + "\n\n";
}

QByteArray messageStart(qint64 input = 7)
{
    return "event: message_start\ndata: "
        + j("{'type':'message_start','message':{'id':'msg_test','type':'message','role':'assistant',"
            "'model':'claude-x','content':[],'stop_reason':null,'stop_sequence':null,'usage':{'input_tokens':")
        + QByteArray::number(input) + j(",'output_tokens':0}}}") + "\n\n" + ev("ping", "{'type':'ping'}");
}

QByteArray textStart(int index)
{
    return "event: content_block_start\ndata: " + j("{'type':'content_block_start','index':")
        + QByteArray::number(index) + j(",'content_block':{'type':'text','text':''}}") + "\n\n";
}

/// @p text is JSON string content (escaped as JSON wants it).
QByteArray textDelta(int index, const QByteArray &text)
{
    return "event: content_block_delta\ndata: " + j("{'type':'content_block_delta','index':")
        + QByteArray::number(index) + j(",'delta':{'type':'text_delta','text':'") + text + j("'}}") + "\n\n";
}

QByteArray toolStart(int index, const QByteArray &id, const QByteArray &name)
{
    return "event: content_block_start\ndata: " + j("{'type':'content_block_start','index':")
        + QByteArray::number(index) + j(",'content_block':{'type':'tool_use','id':'") + id + j("','name':'") + name
        + j("','input':{}}}") + "\n\n";
}

/// @p partial is JSON string content (escaped: a quote is \").
QByteArray jsonDelta(int index, const QByteArray &partial)
{
    return "event: content_block_delta\ndata: " + j("{'type':'content_block_delta','index':")
        + QByteArray::number(index) + j(",'delta':{'type':'input_json_delta','partial_json':'") + partial + j("'}}")
        + "\n\n";
}

QByteArray blockStop(int index)
{
    return "event: content_block_stop\ndata: " + j("{'type':'content_block_stop','index':") + QByteArray::number(index)
        + "}\n\n";
}

QByteArray messageEnd(const char *reason, qint64 input, qint64 output, const char *stopSequence = nullptr)
{
    return "event: message_delta\ndata: " + j("{'type':'message_delta','delta':{'stop_reason':'") + reason
        + j("','stop_sequence':") + (stopSequence ? '"' + QByteArray(stopSequence) + '"' : QByteArray("null"))
        + j("},'usage':{'input_tokens':") + QByteArray::number(input) + j(",'output_tokens':")
        + QByteArray::number(output) + "}}\n\n" + ev("message_stop", "{'type':'message_stop'}");
}

/// An upstream SSE line.
QByteArray data(const char *json)
{
    return "data: " + j(json) + "\n\n";
}

QByteArray textChunk(const char *text)
{
    return "data: " + j("{'id':'c1','object':'chat.completion.chunk','choices':[{'index':0,'delta':{'content':'") + text
        + j("'},'finish_reason':null}]}") + "\n\n";
}

QByteArray finishChunk(const char *reason)
{
    return "data: "
        + j("{'id':'c1','object':'chat.completion.chunk','choices':[{'index':0,'delta':{},"
            "'finish_reason':'")
        + reason + j("'}]}") + "\n\n";
}

QByteArray usageChunk(int prompt, int completion)
{
    return "data: " + j("{'id':'c1','object':'chat.completion.chunk','choices':[],'usage':{'prompt_tokens':")
        + QByteArray::number(prompt) + j(",'completion_tokens':") + QByteArray::number(completion)
        + j(",'total_tokens':") + QByteArray::number(prompt + completion) + "}}\n\n";
}

const QByteArray kDone = "data: [DONE]\n\n";

/// A stream as OpenAI sends a tool call: id and name first, the arguments over several chunks.
QByteArray toolCallStream()
{
    return data("{'choices':[{'index':0,'delta':{'role':'assistant','content':null,'tool_calls':[{'index':0,"
                "'id':'call_1','type':'function','function':{'name':'get_weather','arguments':''}}]},"
                "'finish_reason':null}]}")
        + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'arguments':'{\\'ci'}}]}}]}")
        + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'arguments':'ty\\':'}}]}}]}")
        + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'arguments':' \\'Paris\\'}'}}]}"
               "}]}")
        + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':1,'id':'call_2','type':'function',"
               "'function':{'name':'get_time','arguments':''}}]}}]}")
        + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':1,'function':{'arguments':'{}'}}]}}]}")
        + finishChunk("tool_calls") + usageChunk(30, 12) + kDone;
}

QByteArray toolCallEvents()
{
    return messageStart() + toolStart(0, "call_1", "get_weather") + jsonDelta(0, "{\\\"ci") + jsonDelta(0, "ty\\\":")
        + jsonDelta(0, " \\\"Paris\\\"}") + blockStop(0) + toolStart(1, "call_2", "get_time") + jsonDelta(1, "{}")
        + blockStop(1) + messageEnd("tool_use", 30, 12);
}

/// Everything the translator makes of @p pieces, then of the end.
QByteArray translate(const QList<QByteArray> &pieces, const AnswerContext &c = context())
{
    ChatStreamTranslator t(c);
    QByteArray out;
    for (const QByteArray &piece : pieces)
        out += t.feed(piece);
    out += t.finish();
    return out;
}

QList<QByteArray> bytesOf(const QByteArray &stream)
{
    QList<QByteArray> out;
    for (char c : stream)
        out.append(QByteArray(1, c));
    return out;
}

/// Each event of @p events: "event: NAME" then "data: JSON" (an object whose type is NAME) then a blank line.
bool wellFormed(const QByteArray &events, QString *why)
{
    const QList<QByteArray> blocks = events.split('\n');
    qsizetype i = 0;
    while (i < blocks.size()) {
        if (blocks.at(i).isEmpty() && i == blocks.size() - 1)
            return true;
        if (i + 2 >= blocks.size() || !blocks.at(i).startsWith("event: ") || !blocks.at(i + 1).startsWith("data: ")
            || !blocks.at(i + 2).isEmpty()) {
            *why = QStringLiteral("not an event at line %1").arg(i);
            return false;
        }
        const QJsonObject o = obj(blocks.at(i + 1).mid(6));
        if (o.value(QLatin1String("type")).toString().toUtf8() != blocks.at(i).mid(7)) {
            *why = QStringLiteral("data is not a JSON object of the event's type at line %1").arg(i + 1);
            return false;
        }
        i += 3;
    }
    return true;
}

/// Captures what is written, after the filters, without a socket.
class RecordingResponder final : public http::HttpResponder
{
public:
    int status = 0;
    http::Headers headers;
    QByteArray body;
    bool ended = false;
    void abortConnection() override { markFinished(); }
    [[nodiscard]] qint64 bufferedBytes() const override { return 0; }

protected:
    void writeHead(int s, const http::Headers &h, Framing) override
    {
        status = s;
        headers = h;
    }
    void writeBody(const QByteArray &data) override { body += data; }
    void writeEnd() override { ended = true; }
    [[nodiscard]] Framing streamFraming() const override { return Framing::Close; }
};

void setMessagesFilters(RecordingResponder &r)
{
    r.setFilter(http::HttpResponder::FilterStage::Translate,
                std::make_unique<anthropic::ChatToMessagesFilter>(context()));
    r.setFilter(http::HttpResponder::FilterStage::Errors, std::make_unique<anthropic::ErrorShapeFilter>());
}

http::Headers contentType(const QByteArray &type)
{
    http::Headers h;
    h.add("Content-Type", type);
    return h;
}

} // namespace

class TestAnthropicTranslation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // --- the request: Messages → Chat Completions ---

    void request_data()
    {
        QTest::addColumn<QByteArray>("messages");
        QTest::addColumn<QByteArray>("chat");

        QTest::newRow("plain user string; model kept as sent")
            << j("{'model':'claude-sonnet-4','max_tokens':100,'messages':[{'role':'user','content':'Hi'}]}")
            << j("{'model':'claude-sonnet-4','max_tokens':100,'messages':[{'role':'user','content':'Hi'}]}");
        QTest::newRow("system string")
            << j("{'model':'m','system':'Be brief.','messages':[{'role':'user','content':'Hi'}]}")
            << j("{'model':'m','messages':[{'role':'system','content':'Be brief.'},{'role':'user','content':'Hi'}]}");
        QTest::newRow("system text blocks, cache_control ignored")
            << j("{'model':'m','system':[{'type':'text','text':'One.'},{'type':'text','text':'Two.',"
                 "'cache_control':{'type':'ephemeral'}}],'messages':[{'role':'user','content':'Hi'}]}")
            << j("{'model':'m','messages':[{'role':'system','content':'One.\\nTwo.'},{'role':'user','content':'Hi'}]}");
        QTest::newRow("multi-turn")
            << j("{'model':'m','messages':[{'role':'user','content':'Hi'},{'role':'assistant','content':'Hello!'},"
                 "{'role':'user','content':[{'type':'text','text':'How are you?'}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':'Hi'},{'role':'assistant','content':'Hello!'},"
                 "{'role':'user','content':'How are you?'}]}");
        QTest::newRow("several user text blocks: parts")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'a'},"
                 "{'type':'text','text':'b','cache_control':{'type':'ephemeral'}}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'a'},"
                 "{'type':'text','text':'b'}]}]}");
        QTest::newRow("images: base64 and url")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64',"
                 "'media_type':'image/png','data':'iVBORw0KGgo='}},{'type':'image','source':{'type':'url',"
                 "'url':'https://example.com/cat.jpg'}},{'type':'text','text':'What are these?'}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':"
                 "'data:image/png;base64,iVBORw0KGgo='}},{'type':'image_url','image_url':{'url':"
                 "'https://example.com/cat.jpg'}},{'type':'text','text':'What are these?'}]}]}");
        QTest::newRow("a text document: text")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'document','source':{'type':'text',"
                 "'media_type':'text/plain','data':'The grass is green.'}}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':'The grass is green.'}]}");
        QTest::newRow("a PDF document: a file part")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'document','source':{'type':'base64',"
                 "'media_type':'application/pdf','data':'JVBERi0='}},{'type':'text','text':'Summarise.'}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'file','file':{'filename':"
                 "'document.pdf','file_data':'data:application/pdf;base64,JVBERi0='}},{'type':'text','text':"
                 "'Summarise.'}]}]}");
        QTest::newRow("empty user content") << j("{'model':'m','messages':[{'role':'user','content':[]}]}")
                                            << j("{'model':'m','messages':[{'role':'user','content':''}]}");
        QTest::newRow("assistant text blocks: one text")
            << j("{'model':'m','messages':[{'role':'assistant','content':[{'type':'text','text':'a'},{'type':"
                 "'text','text':'b'}]}]}")
            << j("{'model':'m','messages':[{'role':'assistant','content':'ab'}]}");
        QTest::newRow("assistant text and tool_use: one message with tool_calls")
            << j("{'model':'m','messages':[{'role':'user','content':'Weather?'},{'role':'assistant','content':["
                 "{'type':'text','text':'Let me look.'},{'type':'tool_use','id':'toolu_1','name':'get_weather',"
                 "'input':{'city':'Paris','days':2}}]}]}")
            << j("{'model':'m','messages':[{'role':'user','content':'Weather?'},{'role':'assistant','content':"
                 "'Let me look.','tool_calls':[{'id':'toolu_1','type':'function','function':{'name':'get_weather',"
                 "'arguments':'{\\'city\\':\\'Paris\\',\\'days\\':2}'}}]}]}");
        QTest::newRow("assistant tool_use only: content null; thinking dropped")
            << j("{'model':'m','messages':[{'role':'assistant','content':[{'type':'thinking','thinking':'hmm',"
                 "'signature':'x'},{'type':'tool_use','id':'t1','name':'a','input':{}},{'type':'tool_use','id':'t2',"
                 "'name':'b','input':{'x':[1,2]}}]}]}")
            << j("{'model':'m','messages':[{'role':'assistant','content':null,'tool_calls':[{'id':'t1','type':"
                 "'function','function':{'name':'a','arguments':'{}'}},{'id':'t2','type':'function','function':"
                 "{'name':'b','arguments':'{\\'x\\':[1,2]}'}}]}]}");
        QTest::newRow("assistant thinking only: empty text")
            << j("{'model':'m','messages':[{'role':'assistant','content':[{'type':'redacted_thinking','data':'x'}]}]}")
            << j("{'model':'m','messages':[{'role':'assistant','content':''}]}");
        QTest::newRow("tool_result string: a tool message")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1',"
                 "'content':'18 degrees'}]}]}")
            << j("{'model':'m','messages':[{'role':'tool','tool_call_id':'t1','content':'18 degrees'}]}");
        QTest::newRow("tool_results before the user's other content")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'text','text':'Thanks.'},"
                 "{'type':'tool_result','tool_use_id':'t1','content':[{'type':'text','text':'line 1'},"
                 "{'type':'text','text':'line 2'}]},{'type':'tool_result','tool_use_id':'t2','is_error':true,"
                 "'content':'no such city'},{'type':'tool_result','tool_use_id':'t3'}]}]}")
            << j("{'model':'m','messages':[{'role':'tool','tool_call_id':'t1','content':'line 1\\nline 2'},"
                 "{'role':'tool','tool_call_id':'t2','content':'Error: no such city'},{'role':'tool',"
                 "'tool_call_id':'t3','content':''},{'role':'user','content':'Thanks.'}]}");
        QTest::newRow("images in a tool_result: in the next user message")
            << j("{'model':'m','messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1',"
                 "'content':[{'type':'text','text':'Screenshot:'},{'type':'image','source':{'type':'base64',"
                 "'media_type':'image/jpeg','data':'/9j/'}}]}]}]}")
            << j("{'model':'m','messages':[{'role':'tool','tool_call_id':'t1','content':'Screenshot:\\n(1 "
                 "attachment(s) follow in the next user message)'},{'role':'user','content':[{'type':'text',"
                 "'text':'Attachments returned by tool call t1:'},{'type':'image_url','image_url':{'url':"
                 "'data:image/jpeg;base64,/9j/'}}]}]}");
        QTest::newRow("tools and tool_choice auto")
            << j("{'model':'m','messages':[{'role':'user','content':'Hi'}],'tools':[{'name':'get_weather',"
                 "'description':'Weather of a city','input_schema':{'type':'object','properties':{'city':"
                 "{'type':'string'}},'required':['city']},'cache_control':{'type':'ephemeral'}},{'name':'now',"
                 "'input_schema':{'type':'object'}}],'tool_choice':{'type':'auto'}}")
            << j("{'model':'m','messages':[{'role':'user','content':'Hi'}],'tools':[{'type':'function','function':"
                 "{'name':'get_weather','description':'Weather of a city','parameters':{'type':'object',"
                 "'properties':{'city':{'type':'string'}},'required':['city']}}},{'type':'function','function':"
                 "{'name':'now','parameters':{'type':'object'}}}],'tool_choice':'auto'}");
        QTest::newRow("tool_choice any, parallel tool use disabled")
            << j("{'model':'m','messages':[],'tools':[{'name':'a','input_schema':{'type':'object'}}],"
                 "'tool_choice':{'type':'any','disable_parallel_tool_use':true}}")
            << j("{'model':'m','messages':[],'tools':[{'type':'function','function':{'name':'a','parameters':"
                 "{'type':'object'}}}],'tool_choice':'required','parallel_tool_calls':false}");
        QTest::newRow("tool_choice tool")
            << j("{'model':'m','messages':[],'tools':[{'name':'a','input_schema':{'type':'object'}}],"
                 "'tool_choice':{'type':'tool','name':'a'}}")
            << j("{'model':'m','messages':[],'tools':[{'type':'function','function':{'name':'a','parameters':"
                 "{'type':'object'}}}],'tool_choice':{'type':'function','function':{'name':'a'}}}");
        QTest::newRow("tool_choice none")
            << j("{'model':'m','messages':[],'tools':[{'name':'a','input_schema':{'type':'object'}}],"
                 "'tool_choice':{'type':'none'}}")
            << j("{'model':'m','messages':[],'tools':[{'type':'function','function':{'name':'a','parameters':"
                 "{'type':'object'}}}],'tool_choice':'none'}");
        QTest::newRow("server tools left out, and tool_choice with them")
            << j("{'model':'m','messages':[],'tools':[{'type':'web_search_20250305','name':'web_search'}],"
                 "'tool_choice':{'type':'auto','disable_parallel_tool_use':true}}")
            << j("{'model':'m','messages':[]}");
        QTest::newRow("sampling, stop sequences, user; top_k and thinking dropped")
            << j("{'model':'m','messages':[],'max_tokens':256,'temperature':0.5,'top_p':0.9,'top_k':40,"
                 "'stop_sequences':['END','###'],'metadata':{'user_id':'u-42'},'thinking':{'type':'enabled',"
                 "'budget_tokens':1024},'service_tier':'auto'}")
            << j("{'model':'m','messages':[],'max_tokens':256,'temperature':0.5,'top_p':0.9,'stop':['END','###'],"
                 "'user':'u-42'}");
        QTest::newRow("empty stop_sequences: no stop")
            << j("{'model':'m','messages':[],'stop_sequences':[]}") << j("{'model':'m','messages':[]}");
        QTest::newRow("stream: with usage")
            << j("{'model':'m','messages':[],'stream':true}")
            << j("{'model':'m','messages':[],'stream':true,'stream_options':{'include_usage':true}}");
        QTest::newRow("stream false") << j("{'model':'m','messages':[],'stream':false}")
                                      << j("{'model':'m','messages':[]}");
    }

    void request()
    {
        QFETCH(QByteArray, messages);
        QFETCH(QByteArray, chat);
        QByteArray out;
        QString error;
        QVERIFY2(anthropic::toChatCompletions(obj(messages), &out, &error), qPrintable(error));
        QCOMPARE(QJsonDocument::fromJson(out).object(), obj(chat));
        QVERIFY(!out.contains('\n')); // compact
    }

    void requestErrors_data()
    {
        QTest::addColumn<QByteArray>("messages");
        QTest::addColumn<QString>("error");
        QTest::newRow("no messages") << j("{'model':'m'}") << QStringLiteral("\"messages\" must be an array");
        QTest::newRow("messages not an array")
            << j("{'model':'m','messages':{}}") << QStringLiteral("\"messages\" must be an array");
        QTest::newRow("a message not an object") << j("{'messages':['hi']}") << QStringLiteral("messages.0 must be");
        QTest::newRow("role system") << j("{'messages':[{'role':'system','content':'x'}]}")
                                     << QStringLiteral("messages.0.role must be \"user\" or \"assistant\"");
        QTest::newRow("no content") << j("{'messages':[{'role':'user'}]}")
                                    << QStringLiteral("messages.0.content must be a string or an array");
        QTest::newRow("unknown block") << j("{'messages':[{'role':'user','content':[{'type':'text','text':'a'},"
                                            "{'type':'hologram'}]}]}")
                                       << QStringLiteral("messages.0.content.1 has a content block type that is not "
                                                         "supported on this model: \"hologram\"");
        QTest::newRow("text block without text") << j("{'messages':[{'role':'user','content':[{'type':'text'}]}]}")
                                                 << QStringLiteral("messages.0.content.0 is a text block without");
        QTest::newRow("tool_use in a user message")
            << j("{'messages':[{'role':'user','content':[{'type':'tool_use','id':'a','name':'b','input':{}}]}]}")
            << QStringLiteral("only an assistant message can hold");
        QTest::newRow("tool_result in an assistant message")
            << j("{'messages':[{'role':'assistant','content':[{'type':'tool_result','tool_use_id':'a'}]}]}")
            << QStringLiteral("only a user message can hold");
        QTest::newRow("image in an assistant message")
            << j("{'messages':[{'role':'assistant','content':[{'type':'image','source':{'type':'url','url':'u'}}]}]}")
            << QStringLiteral("assistant message cannot hold on this model: \"image\"");
        QTest::newRow("tool_result without id")
            << j("{'messages':[{'role':'user','content':[{'type':'tool_result','content':'x'}]}]}")
            << QStringLiteral("without a \"tool_use_id\"");
        QTest::newRow("image from the Files API")
            << j("{'messages':[{'role':'user','content':[{'type':'image','source':{'type':'file','file_id':'f'}}]}]}")
            << QStringLiteral("source type is not supported");
        QTest::newRow("system not text") << j("{'messages':[],'system':42}")
                                         << QStringLiteral("system must be a string");
        QTest::newRow("tool without name")
            << j("{'messages':[],'tools':[{'input_schema':{}}]}") << QStringLiteral("tools.0 has no \"name\"");
        QTest::newRow("bad tool_choice") << j("{'messages':[],'tool_choice':{'type':'some'}}")
                                         << QStringLiteral("\"tool_choice.type\" must be");
        QTest::newRow("tool_choice tool without name")
            << j("{'messages':[],'tool_choice':{'type':'tool'}}") << QStringLiteral("needs a \"name\"");
        QTest::newRow("temperature a string")
            << j("{'messages':[],'temperature':'hot'}") << QStringLiteral("\"temperature\" must be a number");
        QTest::newRow("stop_sequences not strings") << j("{'messages':[],'stop_sequences':[1]}")
                                                    << QStringLiteral("\"stop_sequences\" must be an array of strings");
    }

    void requestErrors()
    {
        QFETCH(QByteArray, messages);
        QFETCH(QString, error);
        QByteArray out;
        QString why;
        QVERIFY(!anthropic::toChatCompletions(obj(messages), &out, &why));
        QVERIFY2(why.contains(error), qPrintable(why));
    }

    void stopSequences()
    {
        QCOMPARE(anthropic::stopSequencesOf(obj(j("{'stop_sequences':['a',1,'b']}"))),
                 (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(anthropic::stopSequencesOf(obj(j("{}"))), QStringList());
    }

    // --- the answer: Chat Completions → Messages ---

    void stopReason_data()
    {
        QTest::addColumn<QString>("finish");
        QTest::addColumn<QString>("matched");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("stop") << QStringLiteral("stop") << QString() << QByteArray("end_turn");
        QTest::newRow("stop on a stop sequence")
            << QStringLiteral("stop") << QStringLiteral("END") << QByteArray("stop_sequence");
        QTest::newRow("stop on something else")
            << QStringLiteral("stop") << QStringLiteral("</s>") << QByteArray("end_turn");
        QTest::newRow("length") << QStringLiteral("length") << QString() << QByteArray("max_tokens");
        QTest::newRow("tool_calls") << QStringLiteral("tool_calls") << QString() << QByteArray("tool_use");
        QTest::newRow("function_call") << QStringLiteral("function_call") << QString() << QByteArray("tool_use");
        QTest::newRow("content_filter") << QStringLiteral("content_filter") << QString() << QByteArray("refusal");
        QTest::newRow("unknown") << QStringLiteral("eos") << QString() << QByteArray("end_turn");
        QTest::newRow("none") << QString() << QString() << QByteArray("end_turn");
    }

    void stopReason()
    {
        QFETCH(QString, finish);
        QFETCH(QString, matched);
        QFETCH(QByteArray, reason);
        QCOMPARE(anthropic::stopReason(finish, matched, context().stopSequences), reason);
    }

    void completion_data()
    {
        QTest::addColumn<QByteArray>("completion");
        QTest::addColumn<QByteArray>("message");

        QTest::newRow("text with usage")
            << j("{'id':'chatcmpl-1','object':'chat.completion','model':'gpt-x','choices':[{'index':0,'message':"
                 "{'role':'assistant','content':'Hello \\'there\\'\\n'},'finish_reason':'stop'}],'usage':"
                 "{'prompt_tokens':12,'completion_tokens':3,'total_tokens':15}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'Hello \\'there\\'\\n'}],'stop_reason':'end_turn','stop_sequence':null,'usage':"
                 "{'input_tokens':12,'output_tokens':3}}");
        QTest::newRow("text and tool calls, one without id, one with bad arguments")
            << j("{'choices':[{'index':0,'message':{'role':'assistant','content':'Checking.','tool_calls':[{'id':"
                 "'call_1','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':"
                 "\\'Paris\\'}'}},{'type':'function','function':{'name':'now','arguments':''}},{'id':'call_3',"
                 "'type':'function','function':{'name':'x','arguments':'[1'}}]},'finish_reason':'tool_calls'}],"
                 "'usage':{'prompt_tokens':20,'completion_tokens':9}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'Checking.'},{'type':'tool_use','id':'call_1','name':'get_weather','input':{'city':"
                 "'Paris'}},{'type':'tool_use','id':'toolu_test_2','name':'now','input':{}},{'type':'tool_use',"
                 "'id':'call_3','name':'x','input':{}}],'stop_reason':'tool_use','stop_sequence':null,'usage':"
                 "{'input_tokens':20,'output_tokens':9}}");
        QTest::newRow("tool call with content null and finish stop (Ollama): tool_use")
            << j("{'choices':[{'message':{'role':'assistant','content':null,'tool_calls':[{'id':'c','function':"
                 "{'name':'f','arguments':'{}'}}]},'finish_reason':'stop'}]}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'tool_use','id':'c','name':'f','input':{}}],'stop_reason':'tool_use','stop_sequence':null,"
                 "'usage':{'input_tokens':7,'output_tokens':1}}");
        QTest::newRow("no usage: estimates")
            << j("{'choices':[{'index':0,'message':{'role':'assistant','content':'abcdefghi'},'finish_reason':"
                 "'length'}]}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'abcdefghi'}],'stop_reason':'max_tokens','stop_sequence':null,'usage':"
                 "{'input_tokens':7,'output_tokens':3}}");
        QTest::newRow("stop sequence (vLLM's stop_reason)")
            << j("{'choices':[{'index':0,'message':{'role':'assistant','content':'1 2 3 '},'finish_reason':'stop',"
                 "'stop_reason':'END'}],'usage':{'prompt_tokens':5,'completion_tokens':4}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'1 2 3 '}],'stop_reason':'stop_sequence','stop_sequence':'END','usage':"
                 "{'input_tokens':5,'output_tokens':4}}");
        QTest::newRow("vLLM's stop_reason a token id")
            << j("{'choices':[{'index':0,'message':{'role':'assistant','content':'x'},'finish_reason':'stop',"
                 "'stop_reason':128001}],'usage':{'prompt_tokens':5,'completion_tokens':1}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'x'}],'stop_reason':'end_turn','stop_sequence':null,'usage':"
                 "{'input_tokens':5,'output_tokens':1}}");
        QTest::newRow("several choices: index 0")
            << j("{'choices':[{'index':1,'message':{'content':'second'},'finish_reason':'length'},{'index':0,"
                 "'message':{'content':'first'},'finish_reason':'content_filter'}],'usage':{'prompt_tokens':1,"
                 "'completion_tokens':2}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'first'}],'stop_reason':'refusal','stop_sequence':null,'usage':{'input_tokens':1,"
                 "'output_tokens':2}}");
        QTest::newRow("empty answer; reasoning dropped; negative usage clamped")
            << j("{'choices':[{'index':0,'message':{'content':'','reasoning_content':'thinking...'},"
                 "'finish_reason':'stop'}],'usage':{'prompt_tokens':-4,'completion_tokens':0}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[],"
                 "'stop_reason':'end_turn','stop_sequence':null,'usage':{'input_tokens':0,'output_tokens':0}}");
        QTest::newRow("text parts")
            << j("{'choices':[{'index':0,'message':{'content':[{'type':'text','text':'a'},{'type':'text','text':"
                 "'b'}]},'finish_reason':'stop'}],'usage':{'prompt_tokens':1,'completion_tokens':1}}")
            << j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':[{'type':"
                 "'text','text':'ab'}],'stop_reason':'end_turn','stop_sequence':null,'usage':{'input_tokens':1,"
                 "'output_tokens':1}}");
    }

    void completion()
    {
        QFETCH(QByteArray, completion);
        QFETCH(QByteArray, message);
        const QByteArray out = anthropic::translateCompletion(obj(completion), context());
        QCOMPARE(out, message); // byte for byte: Anthropic's members, in Anthropic's order
    }

    void completionControlCharactersAndUnicode()
    {
        QJsonObject message{{QStringLiteral("content"), QStringLiteral("a\x01\tb\"\\ \u00e9 \u2028 \U0001F600")}};
        const QJsonObject completion{
            {QStringLiteral("choices"),
             QJsonArray{QJsonObject{{QStringLiteral("message"), message},
                                    {QStringLiteral("finish_reason"), QStringLiteral("stop")}}}}};
        const QByteArray out = anthropic::translateCompletion(completion, context());
        const QJsonObject parsed = obj(out);
        QCOMPARE(parsed.value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")),
                 message.value(QLatin1String("content")));
        QVERIFY(out.contains("a\\u0001\\tb\\\"\\\\"));
    }

    void completionWithoutContext()
    {
        // No message id, no model: one is made up, the upstream's model is named.
        const QByteArray out = anthropic::translateCompletion(
            obj(j("{'model':'gpt-x','choices':[{'message':{'tool_calls':[{'function':{'name':'f'}}]}}]}")),
            AnswerContext());
        const QJsonObject o = obj(out);
        QVERIFY(o.value(QLatin1String("id")).toString().startsWith(QLatin1String("msg_")));
        QVERIFY(o.value(QLatin1String("id")).toString().size() > 8);
        QCOMPARE(o.value(QLatin1String("model")).toString(), QStringLiteral("gpt-x"));
        const QString toolId
            = o.value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("id")).toString();
        QVERIFY(toolId.startsWith(QLatin1String("toolu_")));
    }

    void completionAsEvents()
    {
        // A client that asked for a stream from an upstream that answered in one document: the same events as the
        // answer streamed in one chunk.
        const QByteArray completion
            = j("{'choices':[{'index':0,'message':{'role':'assistant','content':'Checking.','tool_calls':[{'id':"
                "'call_1','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\': "
                "\\'Paris\\'}'}},{'type':'function','function':{'name':'now','arguments':'not json'}}]},"
                "'finish_reason':'tool_calls'}],'usage':{'prompt_tokens':20,'completion_tokens':9}}");
        const QByteArray events = messageStart() + textStart(0) + textDelta(0, "Checking.") + blockStop(0)
            + toolStart(1, "call_1", "get_weather") + jsonDelta(1, "{\\\"city\\\":\\\"Paris\\\"}") + blockStop(1)
            + toolStart(2, "toolu_test_2", "now") + jsonDelta(2, "{}") + blockStop(2) + messageEnd("tool_use", 20, 9);
        QCOMPARE(anthropic::completionAsEvents(obj(completion), context()).split('\n'), events.split('\n'));
        QCOMPARE(anthropic::completionAsEvents(
                     obj(j("{'choices':[{'message':{'content':'x'},'finish_reason':'stop','stop_reason':'END'}]}")),
                     context()),
                 messageStart() + textStart(0) + textDelta(0, "x") + blockStop(0)
                     + messageEnd("stop_sequence", 7, 1, "END"));
    }

    // --- a stream ---

    void stream_data()
    {
        QTest::addColumn<QByteArray>("upstream");
        QTest::addColumn<QByteArray>("events");

        QTest::newRow("text, finish, usage, [DONE]")
            << data("{'id':'c1','choices':[{'index':0,'delta':{'role':'assistant','content':''},'finish_reason':"
                    "null}]}")
                + textChunk("Hel") + textChunk("lo \\\"you\\\"\\n") + finishChunk("stop") + usageChunk(9, 2) + kDone
            << messageStart() + textStart(0) + textDelta(0, "Hel") + textDelta(0, "lo \\\"you\\\"\\n") + blockStop(0)
                + messageEnd("end_turn", 9, 2);
        QTest::newRow("CRLF, comments, event: and id: lines")
            << QByteArray(": keep-alive\r\n\r\nevent: message\r\nid: 1\r\n") + textChunk("Hi").replace("\n", "\r\n")
                + ": another\r\n" + finishChunk("stop").replace("\n", "\r\n") + "data: [DONE]\r\n\r\n"
            << messageStart() + textStart(0) + textDelta(0, "Hi") + blockStop(0) + messageEnd("end_turn", 7, 1);
        QTest::newRow("no space after data:")
            << "data:" + j("{'choices':[{'index':0,'delta':{'content':'x'}}]}") + "\n\ndata:[DONE]\n\n"
            << messageStart() + textStart(0) + textDelta(0, "x") + blockStop(0) + messageEnd("end_turn", 7, 1);
        QTest::newRow("tool calls split across chunks") << toolCallStream() << toolCallEvents();
        QTest::newRow("text then a tool call (Ollama: whole call in one chunk, no index)") << textChunk("Let me check.")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'id':'call_x','function':{'name':"
                       "'get_weather','arguments':'{\\'city\\':\\'Oslo\\'}'}}]}}]}")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'id':'call_y','function':{'name':"
                       "'get_time','arguments':'{}'}}]}}]}")
                + finishChunk("stop") + usageChunk(11, 20) + kDone
                                                                                           << messageStart()
                + textStart(0) + textDelta(0, "Let me check.") + blockStop(0) + toolStart(1, "call_x", "get_weather")
                + jsonDelta(1, "{\\\"city\\\":\\\"Oslo\\\"}") + blockStop(1) + toolStart(2, "call_y", "get_time")
                + jsonDelta(2, "{}") + blockStop(2) + messageEnd("tool_use", 11, 20);
        QTest::newRow("tool call without id, arguments as an object")
            << data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'name':'f','arguments':"
                    "{'a':1}}}]}}]}")
                + finishChunk("tool_calls") + kDone
            << messageStart() + toolStart(0, "toolu_test_0", "f") + jsonDelta(0, "{\\\"a\\\":1}") + blockStop(0)
                + messageEnd("tool_use", 7, 1);
        QTest::newRow("several tool calls in one chunk")
            << data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':'a','function':{'name':'f',"
                    "'arguments':'{}'}},{'index':1,'id':'b','function':{'name':'g','arguments':'{\\'x\\''}}]}}]}")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':1,'function':{'arguments':':2}'}}]}"
                       "}]}")
                + finishChunk("tool_calls") + usageChunk(3, 4)
            << messageStart() + toolStart(0, "a", "f") + jsonDelta(0, "{}") + blockStop(0) + toolStart(1, "b", "g")
                + jsonDelta(1, "{\\\"x\\\"") + jsonDelta(1, ":2}") + blockStop(1) + messageEnd("tool_use", 3, 4);
        QTest::newRow("interleaved tool calls: late pieces go to their block")
            << data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':'a','function':{'name':'f',"
                    "'arguments':'{\\'p\\':'}}]}}]}")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':1,'id':'b','function':{'name':'g',"
                       "'arguments':'{}'}}]}}]}")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'arguments':'1}'}}]}"
                       "}]}")
                + finishChunk("tool_calls") + kDone
            << messageStart() + toolStart(0, "a", "f") + jsonDelta(0, "{\\\"p\\\":") + blockStop(0)
                + toolStart(1, "b", "g") + jsonDelta(1, "{}") + jsonDelta(0, "1}") + blockStop(1)
                + messageEnd("tool_use", 7, 3);
        QTest::newRow("same index, new id: a new call")
            << data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':'a','function':{'name':'f',"
                    "'arguments':'{}'}}]}}]}")
                + data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':'b','function':{'name':'g',"
                       "'arguments':'{}'}}]}}]}")
                + kDone
            << messageStart() + toolStart(0, "a", "f") + jsonDelta(0, "{}") + blockStop(0) + toolStart(1, "b", "g")
                + jsonDelta(1, "{}") + blockStop(1) + messageEnd("end_turn", 7, 2);
        QTest::newRow("stop sequence (vLLM)") << textChunk("1 2 ")
                + data("{'choices':[{'index':0,'delta':{},'finish_reason':'stop','stop_reason':'###'}]}")
                + usageChunk(4, 3) + kDone
                                              << messageStart() + textStart(0) + textDelta(0, "1 2 ") + blockStop(0)
                + messageEnd("stop_sequence", 4, 3, "###");
        QTest::newRow("length") << textChunk("a") + finishChunk("length") + kDone
                                << messageStart() + textStart(0) + textDelta(0, "a") + blockStop(0)
                + messageEnd("max_tokens", 7, 1);
        QTest::newRow("usage chunk ends it, [DONE] never comes")
            << textChunk("a") + finishChunk("stop") + usageChunk(5, 6)
            << messageStart() + textStart(0) + textDelta(0, "a") + blockStop(0) + messageEnd("end_turn", 5, 6);
        QTest::newRow("usage on the finish chunk (llama.cpp)")
            << textChunk("a")
                + data("{'choices':[{'index':0,'delta':{},'finish_reason':'stop'}],'usage':{'prompt_tokens':8,"
                       "'completion_tokens':1}}")
                + kDone
            << messageStart() + textStart(0) + textDelta(0, "a") + blockStop(0) + messageEnd("end_turn", 8, 1);
        QTest::newRow("ends without finish_reason nor [DONE]") << textChunk("a") + textChunk("b")
                                                               << messageStart() + textStart(0) + textDelta(0, "a")
                + textDelta(0, "b") + blockStop(0) + messageEnd("end_turn", 7, 2);
        QTest::newRow("last line without its newline")
            << textChunk("a") + "data: [DONE]"
            << messageStart() + textStart(0) + textDelta(0, "a") + blockStop(0) + messageEnd("end_turn", 7, 1);
        QTest::newRow("nothing at all") << QByteArray() << messageStart() + messageEnd("end_turn", 7, 0);
        QTest::newRow("malformed chunks skipped")
            << textChunk("a") + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\n\n" + "data: 42\n\n"
                + "data: \n\n" + "data: [1,2]\n\n" + "data: {\"choices\":7}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":5,\"tool_calls\":\"x\"}}]}\n\n"
                + "data: {\"choices\":[null,{\"index\":0}]}\n\n" + "garbage\n\n" + textChunk("c") + finishChunk("stop")
                + kDone
            << messageStart() + textStart(0) + textDelta(0, "a") + textDelta(0, "c") + blockStop(0)
                + messageEnd("end_turn", 7, 2);
        QTest::newRow("error chunk: an error event, then nothing") << textChunk("a")
                + data("{'error':{'message':'The server is overloaded','type':'server_error','code':503}}")
                + textChunk("b") + kDone
                                                                   << messageStart() + textStart(0) + textDelta(0, "a")
                + ev("error",
                     "{'type':'error','error':{'type':'overloaded_error','message':'The server is "
                     "overloaded'}}");
        QTest::newRow("error chunk as a string")
            << data("{'error':'model crashed'}")
            << messageStart() + ev("error", "{'type':'error','error':{'type':'api_error','message':'model crashed'}}");
        QTest::newRow("several choices: index 0 only")
            << data("{'choices':[{'index':1,'delta':{'content':'other'}},{'index':0,'delta':{'content':'mine'}}]}")
                + data("{'choices':[{'index':1,'delta':{'content':'other'},'finish_reason':'length'}]}")
                + finishChunk("stop") + kDone
            << messageStart() + textStart(0) + textDelta(0, "mine") + blockStop(0) + messageEnd("end_turn", 7, 1);
        QTest::newRow("reasoning_content dropped")
            << data("{'choices':[{'index':0,'delta':{'reasoning_content':'Let me think'}}]}")
                + data("{'choices':[{'index':0,'delta':{'reasoning':'more'}}]}") + textChunk("42") + finishChunk("stop")
                + kDone
            << messageStart() + textStart(0) + textDelta(0, "42") + blockStop(0) + messageEnd("end_turn", 7, 1);
        QTest::newRow("after [DONE], nothing")
            << textChunk("a") + kDone + textChunk("b") + kDone
            << messageStart() + textStart(0) + textDelta(0, "a") + blockStop(0) + messageEnd("end_turn", 7, 1);
    }

    void stream()
    {
        QFETCH(QByteArray, upstream);
        QFETCH(QByteArray, events);
        const QByteArray whole = translate({upstream});
        QCOMPARE(whole.split('\n'), events.split('\n')); // line by line, for a readable difference
        QCOMPARE(whole, events);
        QString why;
        QVERIFY2(wellFormed(whole, &why), qPrintable(why));
        // One byte at a time, and cut in two at every offset: the same events.
        QCOMPARE(translate(bytesOf(upstream)), events);
        for (qsizetype cut = 1; cut < upstream.size(); ++cut)
            QCOMPARE(translate({upstream.left(cut), upstream.mid(cut)}), events);
    }

    void streamIsIncremental()
    {
        // message_start with the first byte; each event as soon as the line that makes it is complete.
        ChatStreamTranslator t(context());
        QCOMPARE(t.feed("d"), messageStart());
        QCOMPARE(t.feed(textChunk("Hi").chopped(2).mid(1)), QByteArray()); // the line is not complete yet
        QCOMPARE(t.feed("\n"), textStart(0) + textDelta(0, "Hi"));
        QCOMPARE(t.feed("\n"), QByteArray());
        QCOMPARE(t.feed(finishChunk("stop")), blockStop(0));
        QCOMPARE(t.feed(usageChunk(1, 1)), messageEnd("end_turn", 1, 1));
        QCOMPARE(t.feed(kDone), QByteArray());
        QCOMPARE(t.finish(), QByteArray());
        QCOMPARE(t.finish(), QByteArray());
    }

    void streamRecordedAtEveryByte()
    {
        // A recorded OpenAI stream (text, then two tool calls whose arguments come in small pieces), cut in three at
        // every pair of offsets a few bytes apart: always the same events.
        const QByteArray upstream = textChunk("Sure.") + toolCallStream();
        const QByteArray events = messageStart() + textStart(0) + textDelta(0, "Sure.") + blockStop(0)
            + toolStart(1, "call_1", "get_weather") + jsonDelta(1, "{\\\"ci") + jsonDelta(1, "ty\\\":")
            + jsonDelta(1, " \\\"Paris\\\"}") + blockStop(1) + toolStart(2, "call_2", "get_time") + jsonDelta(2, "{}")
            + blockStop(2) + messageEnd("tool_use", 30, 12);
        QCOMPARE(translate({upstream}), events);
        QCOMPARE(translate(bytesOf(upstream)), events);
        for (qsizetype a = 1; a < upstream.size(); a += 3) {
            for (qsizetype b = a; b < upstream.size() && b < a + 40; b += 7)
                QCOMPARE(translate({upstream.left(a), upstream.mid(a, b - a), upstream.mid(b)}), events);
        }
    }

    void roundTripThroughTheMock()
    {
        // A Messages request translated, answered by obleth's mock (a Chat Completions server), streamed and whole:
        // the stream's events, however cut, carry the same text, stop reason and usage as the whole answer.
        const QByteArray messages = j("{'model':'claude-x','max_tokens':40,'stream':true,'system':'Be brief.',"
                                      "'messages':[{'role':'user','content':[{'type':'text','text':'Count.'}]}]}");
        QByteArray chat;
        QString error;
        QVERIFY2(anthropic::toChatCompletions(obj(messages), &chat, &error), qPrintable(error));
        const mock::MockReply reply(mock::MockReply::Kind::Chat, obj(chat), chat);
        mock::MockReply::EventStream events(reply);
        QByteArray upstream;
        for (QByteArray e = events.next(); !e.isEmpty(); e = events.next())
            upstream += e;
        QVERIFY(upstream.contains("\"usage\""));

        const QByteArray streamed = translate({upstream});
        QString why;
        QVERIFY2(wellFormed(streamed, &why), qPrintable(why));
        QCOMPARE(translate(bytesOf(upstream)), streamed);
        for (qsizetype cut = 1; cut < upstream.size(); cut += 5)
            QCOMPARE(translate({upstream.left(cut), upstream.mid(cut)}), streamed);

        const QJsonObject whole = obj(anthropic::translateCompletion(obj(reply.completeJson()), context()));
        QString text;
        QJsonObject last;
        for (const QByteArray &line : streamed.split('\n')) {
            if (!line.startsWith("data: "))
                continue;
            last = obj(line.mid(6));
            const QJsonObject delta = last.value(QLatin1String("delta")).toObject();
            if (delta.value(QLatin1String("type")) == QLatin1String("text_delta"))
                text += delta.value(QLatin1String("text")).toString();
            if (last.value(QLatin1String("type")) == QLatin1String("message_delta")) {
                QCOMPARE(delta.value(QLatin1String("stop_reason")), whole.value(QLatin1String("stop_reason")));
                QCOMPARE(last.value(QLatin1String("usage")), whole.value(QLatin1String("usage")));
            }
        }
        QVERIFY(!text.isEmpty());
        QCOMPARE(
            text,
            whole.value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")).toString());
        QCOMPARE(last.value(QLatin1String("type")).toString(), QStringLiteral("message_stop"));
        QCOMPARE(whole.value(QLatin1String("usage")).toObject().value(QLatin1String("output_tokens")).toInt(),
                 reply.completionTokens());
    }

    void streamWithoutContext()
    {
        ChatStreamTranslator t{AnswerContext()};
        QByteArray out = t.feed(data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':"
                                     "{'name':'f'}}]}}]}"));
        out += t.finish();
        QString why;
        QVERIFY2(wellFormed(out, &why), qPrintable(why));
        QVERIFY(out.contains("\"id\":\"msg_"));
        QVERIFY2(out.contains("\"id\":\"toolu_"), out.constData());
        QVERIFY(out.contains("\"input_tokens\":0"));
    }

    void streamOverlongLineDropped()
    {
        ChatStreamTranslator t(context());
        QByteArray out = t.feed("data: {\"choices\":[{\"delta\":{\"content\":\"");
        const QByteArray filler(1024 * 1024, 'x');
        for (qsizetype sent = 0; sent <= ChatStreamTranslator::kMaxLine; sent += filler.size())
            out += t.feed(filler);
        out += t.feed("\"}}]}\n\n");
        out += t.feed(textChunk("ok"));
        out += t.finish();
        QCOMPARE(
            out.split('\n'),
            QByteArray(messageStart() + textStart(0) + textDelta(0, "ok") + blockStop(0) + messageEnd("end_turn", 7, 1))
                .split('\n'));
    }

    /// A hostile upstream's endless tool calls: past kMaxToolCalls the answer ends with an error event, and nothing
    /// more is translated.
    void streamToolCallsAreCapped()
    {
        ChatStreamTranslator t(context());
        QByteArray out;
        for (int i = 0; i <= ChatStreamTranslator::kMaxToolCalls + 5; ++i) {
            const QByteArray chunk = "{'choices':[{'index':0,'delta':{'tool_calls':[{'index':" + QByteArray::number(i)
                + ",'id':'call_" + QByteArray::number(i) + "','function':{'name':'f','arguments':'{}'}}]}}]}";
            out += t.feed(data(chunk.constData()));
        }
        out += t.feed(
            data("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'function':{'arguments':'x'}}]}}]}"));
        const QByteArray rest = t.finish();
        QVERIFY(rest.isEmpty());
        QCOMPARE(out.count("\"type\":\"tool_use\""), qsizetype(ChatStreamTranslator::kMaxToolCalls));
        QCOMPARE(out.count("event: error\n"), qsizetype(1));
        QVERIFY(out.endsWith("\n\n"));
        QVERIFY(out.mid(out.lastIndexOf("event: ")).startsWith("event: error\n"));
        QVERIFY(!out.contains("message_stop"));
        QCOMPARE(out.count("event: content_block_start"), out.count("event: content_block_stop"));
    }

    /// begin(): the opening events once, as the first feed() would write them.
    void streamBegin()
    {
        ChatStreamTranslator t(context());
        QCOMPARE(t.begin(), messageStart());
        QVERIFY(t.begin().isEmpty());
        QVERIFY(!t.feed(textChunk("ok")).contains("message_start"));
    }

    // --- the filters on a responder ---

    void filterStream()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        http::Headers h = contentType("text/event-stream; charset=utf-8");
        h.add("Content-Length", "999");
        r.beginStream(200, h);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("content-type"), QByteArray("text/event-stream"));
        QVERIFY(!r.headers.contains("content-length"));
        const QByteArray upstream = toolCallStream();
        r.writeChunk(upstream.left(10));
        QCOMPARE(r.body, messageStart()); // at once, with the first bytes
        r.writeChunk(upstream.mid(10));
        r.endStream();
        QCOMPARE(r.body, toolCallEvents());
        QVERIFY(r.ended);
    }

    void filterStreamCutShort()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        r.beginStream(200, contentType("text/event-stream"));
        r.writeChunk(textChunk("partial"));
        r.endStream();
        QCOMPARE(r.body,
                 messageStart() + textStart(0) + textDelta(0, "partial") + blockStop(0) + messageEnd("end_turn", 7, 1));
    }

    void filterWhole()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        r.sendJson(200,
                   j("{'choices':[{'index':0,'message':{'content':'Hi'},'finish_reason':'stop'}],'usage':"
                     "{'prompt_tokens':2,'completion_tokens':1}}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
        QVERIFY(!r.headers.contains("content-length"));
        QCOMPARE(r.body,
                 j("{'id':'msg_test','type':'message','role':'assistant','model':'claude-x','content':"
                   "[{'type':'text','text':'Hi'}],'stop_reason':'end_turn','stop_sequence':null,'usage':"
                   "{'input_tokens':2,'output_tokens':1}}"));
    }

    void filterWholeForAStreamingClient()
    {
        AnswerContext c = context();
        c.stream = true;
        RecordingResponder r;
        r.setFilter(http::HttpResponder::FilterStage::Translate, std::make_unique<anthropic::ChatToMessagesFilter>(c));
        r.setFilter(http::HttpResponder::FilterStage::Errors, std::make_unique<anthropic::ErrorShapeFilter>());
        r.sendJson(200,
                   j("{'choices':[{'index':0,'message':{'content':'Hi'},'finish_reason':'stop'}],'usage':"
                     "{'prompt_tokens':2,'completion_tokens':1}}"));
        QCOMPARE(r.headers.value("content-type"), QByteArray("text/event-stream"));
        QVERIFY(!r.headers.contains("content-length"));
        QCOMPARE(r.body,
                 messageStart() + textStart(0) + textDelta(0, "Hi") + blockStop(0) + messageEnd("end_turn", 2, 1));

        RecordingResponder broken;
        broken.setFilter(http::HttpResponder::FilterStage::Translate,
                         std::make_unique<anthropic::ChatToMessagesFilter>(c));
        broken.sendJson(200, "{oops");
        QCOMPARE(broken.body,
                 messageStart()
                     + ev("error",
                          "{'type':'error','error':{'type':'api_error','message':'the upstream\\u0027s "
                          "answer is not a Chat Completions document'}}")
                           .replace("\\u0027", "'"));
    }

    void filterWholeInPieces()
    {
        const QByteArray completion = j("{'choices':[{'index':0,'message':{'content':'Hi'},'finish_reason':'stop'}],"
                                        "'usage':{'prompt_tokens':2,'completion_tokens':1}}");
        RecordingResponder r;
        setMessagesFilters(r);
        r.beginStream(200, contentType("application/json"));
        for (char c : completion)
            r.writeChunk(QByteArray(1, c));
        QCOMPARE(r.body, QByteArray()); // held until the end
        r.endStream();
        QCOMPARE(obj(r.body).value(QLatin1String("content")).toArray().at(0).toObject().value(QLatin1String("text")),
                 QJsonValue(QStringLiteral("Hi")));
    }

    void filterWholeNotJson()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        r.send(200, contentType("application/json"), "{not json");
        QCOMPARE(obj(r.body),
                 obj(j("{'type':'error','error':{'type':'api_error','message':"
                       "'the upstream\\u0027s answer is not a Chat Completions document'}}")));
    }

    /// A 2xx answer that is neither JSON nor an event stream, or that came compressed (an upstream that compresses
    /// whatever the request said), cannot be translated: an api_error document (events for a streaming client), and
    /// no Content-Encoding left on what is not compressed. Found by probing: both went to the client as they came.
    void filterWholeOfAnotherTypeOrCompressed()
    {
        RecordingResponder html;
        setMessagesFilters(html);
        html.send(200, contentType("text/html"), "<html>hi</html>");
        QCOMPARE(html.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(obj(html.body).value(QLatin1String("error")).toObject().value(QLatin1String("type")),
                 QJsonValue(QStringLiteral("api_error")));

        RecordingResponder untyped;
        setMessagesFilters(untyped);
        untyped.send(200, {}, "hello");
        QCOMPARE(obj(untyped.body).value(QLatin1String("error")).toObject().value(QLatin1String("type")),
                 QJsonValue(QStringLiteral("api_error")));

        for (const char *type : {"application/json", "text/event-stream"}) {
            RecordingResponder gz;
            setMessagesFilters(gz);
            http::Headers h = contentType(type);
            h.add("Content-Encoding", "gzip");
            gz.beginStream(200, h);
            gz.writeChunk(QByteArray("\x1f\x8b\x08\x00garbage", 12));
            gz.endStream();
            QVERIFY(!gz.headers.contains("content-encoding"));
            QCOMPARE(obj(gz.body).value(QLatin1String("error")).toObject().value(QLatin1String("type")),
                     QJsonValue(QStringLiteral("api_error")));
        }
        AnswerContext c = context();
        c.stream = true;
        RecordingResponder gzStream;
        gzStream.setFilter(http::HttpResponder::FilterStage::Translate,
                           std::make_unique<anthropic::ChatToMessagesFilter>(c));
        http::Headers h = contentType("text/event-stream");
        h.add("Content-Encoding", "br");
        gzStream.beginStream(200, h);
        gzStream.writeChunk("\x0b\x02\x80garbage");
        gzStream.endStream();
        QVERIFY(!gzStream.headers.contains("content-encoding"));
        QVERIFY(gzStream.body.startsWith(messageStart()));
        QVERIFY(gzStream.body.contains("event: error\n"));
        // identity is no compression.
        RecordingResponder identity;
        setMessagesFilters(identity);
        http::Headers plain = contentType("application/json");
        plain.add("Content-Encoding", "identity");
        identity.send(200, plain, j("{'choices':[{'index':0,'message':{'content':'Hi'},'finish_reason':'stop'}]}"));
        QCOMPARE(obj(identity.body).value(QLatin1String("type")), QJsonValue(QStringLiteral("message")));
    }

    void filterWholeErrorWith200()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        r.sendJson(200, j("{'error':{'message':'bad things','type':'server_error'}}"));
        QCOMPARE(r.body, j("{'type':'error','error':{'type':'api_error','message':'bad things'}}"));
    }

    void filterWholeTooLarge()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        r.beginStream(200, contentType("application/json"));
        r.writeChunk("{");
        r.writeChunk(QByteArray(anthropic::ChatToMessagesFilter::kMaxAnswerBytes, ' '));
        r.writeChunk("}");
        r.endStream();
        QCOMPARE(obj(r.body).value(QLatin1String("error")).toObject().value(QLatin1String("type")),
                 QJsonValue(QStringLiteral("api_error")));
    }

    void filterErrors_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("type");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("obleth's 401")
            << 401 << QByteArray("application/json")
            << j("{'error':{'message':'Invalid API key','type':'authentication_error','code':'invalid_api_key'}}")
            << j("{'type':'error','error':{'type':'authentication_error','message':'Invalid API key'}}");
        QTest::newRow("an upstream's 429")
            << 429 << QByteArray("application/json; charset=utf-8") << j("{'error':{'message':'slow down'}}")
            << j("{'type':'error','error':{'type':'rate_limit_error','message':'slow down'}}");
        QTest::newRow("Ollama's string error")
            << 404 << QByteArray("application/json") << j("{'error':'model \\'x\\' not found'}")
            << j("{'type':'error','error':{'type':'not_found_error','message':'model \\'x\\' not found'}}");
        QTest::newRow("vLLM's older shape")
            << 400 << QByteArray("application/json")
            << j("{'object':'error','message':'bad request','type':'BadRequestError','param':null,'code':400}")
            << j("{'type':'error','error':{'type':'invalid_request_error','message':'bad request'}}");
        QTest::newRow("FastAPI's detail") << 422 << QByteArray("application/json") << j("{'detail':'Not valid'}")
                                          << j("{'type':'error','error':{'type':'invalid_request_error','message':"
                                               "'Not valid'}}");
        QTest::newRow("FastAPI's validation errors")
            << 422 << QByteArray("application/json")
            << j("{'detail':[{'loc':['body','messages',0],'msg':'field required','type':'missing'},{'loc':['body',"
                 "'model'],'msg':'not a string','type':'string_type'}]}")
            << j("{'type':'error','error':{'type':'invalid_request_error','message':'body.messages.0: field "
                 "required; body.model: not a string'}}");
        QTest::newRow("an error object without message")
            << 500 << QByteArray("application/json") << j("{'error':{'code':'E42'}}")
            << j("{'type':'error','error':{'type':'api_error','message':'{\\'code\\':\\'E42\\'}'}}");
        QTest::newRow("504: timeout_error")
            << 504 << QByteArray("application/json") << j("{'error':{'message':'upstream timed out'}}")
            << j("{'type':'error','error':{'type':'timeout_error','message':'upstream timed out'}}");
        QTest::newRow("already Anthropic's")
            << 529 << QByteArray("application/json")
            << j("{'type':'error','error':{'type':'overloaded_error','message':'Overloaded'}}")
            << j("{'type':'error','error':{'type':'overloaded_error','message':'Overloaded'}}");
        // Any other error body becomes Anthropic's document (contract section 13: errors on this route in its shape):
        // plain text is quoted, an HTML page is not.
        QTest::newRow("plain text: quoted")
            << 502 << QByteArray("text/plain") << QByteArray("Bad   Gateway\n")
            << j("{'type':'error','error':{'type':'api_error','message':'the upstream answered HTTP 502: Bad "
                 "Gateway'}}");
        QTest::newRow("an HTML page: its status only")
            << 500 << QByteArray("text/html") << QByteArray("<html><body>Internal error</body></html>")
            << j("{'type':'error','error':{'type':'api_error','message':'the upstream answered HTTP 500'}}");
        QTest::newRow("no body at all")
            << 503 << QByteArray("text/plain") << QByteArray()
            << j("{'type':'error','error':{'type':'overloaded_error','message':'the upstream answered HTTP 503'}}");
        QTest::newRow("JSON without an error: as it is")
            << 500 << QByteArray("application/json") << j("{'status':'down'}") << j("{'status':'down'}");
    }

    void filterErrors()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, type);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, expected);
        for (const bool inPieces : {false, true}) {
            RecordingResponder r;
            setMessagesFilters(r);
            if (inPieces) {
                r.beginStream(status, contentType(type));
                for (char c : body)
                    r.writeChunk(QByteArray(1, c));
                r.endStream();
            } else {
                r.send(status, contentType(type), body);
            }
            QCOMPARE(r.status, status);
            QCOMPARE(r.body, expected);
            if (r.headers.contains("content-length"))
                QCOMPARE(r.headers.value("content-length").toLongLong(), qint64(r.body.size()));
        }
    }

    void filterLargeErrorPassesAsItCame()
    {
        RecordingResponder r;
        setMessagesFilters(r);
        const QByteArray big
            = "{\"error\":{\"message\":\"" + QByteArray(anthropic::ErrorShapeFilter::kMaxErrorBytes, 'x') + "\"}}";
        r.send(500, contentType("application/json"), big);
        QCOMPARE(r.body, big);
    }

    void errorTypes_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("type");
        QTest::newRow("400") << 400 << QByteArray("invalid_request_error");
        QTest::newRow("401") << 401 << QByteArray("authentication_error");
        QTest::newRow("402") << 402 << QByteArray("billing_error");
        QTest::newRow("403") << 403 << QByteArray("permission_error");
        QTest::newRow("404") << 404 << QByteArray("not_found_error");
        QTest::newRow("409") << 409 << QByteArray("invalid_request_error");
        QTest::newRow("413") << 413 << QByteArray("request_too_large");
        QTest::newRow("429") << 429 << QByteArray("rate_limit_error");
        QTest::newRow("500") << 500 << QByteArray("api_error");
        QTest::newRow("502") << 502 << QByteArray("api_error");
        QTest::newRow("503") << 503 << QByteArray("overloaded_error");
        QTest::newRow("504") << 504 << QByteArray("timeout_error");
        QTest::newRow("529") << 529 << QByteArray("overloaded_error");
    }

    void errorTypes()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, type);
        QCOMPARE(anthropic::errorType(status), type);
        QCOMPARE(obj(anthropic::errorBody(status, QStringLiteral("m \"q\""))),
                 obj("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"m \\\"q\\\"\"}}"));
    }
};

QTEST_GUILESS_MAIN(TestAnthropicTranslation)
#include "tst_anthropictranslation.moc"
