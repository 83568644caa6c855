#!/usr/bin/env escript
%% The runtime benchmarks of bench/runtime.bench.ts, written in Erlang, so
%% that `npm run bench -- runtime` can print each beamish figure beside
%% Erlang/OTP's from the same run, on the same machine.
%%
%%   escript bench/beam/runtime.escript [pingpong | prodcons | spawn | selective | gencall]...
%%
%% With no argument it runs all five. Prints one JSON line:
%%   {"otp": "25.3.2", "erts": "13.2", "schedulers": 2, "pingpong": M msgs/s, ...}
%%
%% Same workloads as the TypeScript, the same counts and message shapes, each
%% measured in a fresh process and the best of three rounds kept (highest
%% rate, lowest time or memory), as bench/run.ts does. The emulator runs with
%% its default flags: as many schedulers as cores (2 on the project's
%% machine); set ERL_FLAGS="+S 1" to run on one, like Node's one JS thread.
-mode(compile).
%% The gencall benchmark's server: this script is its callback module.
-behaviour(gen_server).
-export([init/1, handle_call/3, handle_cast/2]).

main(Args) ->
    Which = case Args of
        [] -> ["pingpong", "prodcons", "spawn", "selective", "gencall"];
        _ -> Args
    end,
    Fields = lists:flatmap(fun bench/1, Which),
    Head = [{"otp", str(otp_version())},
            {"erts", str(erlang:system_info(version))},
            {"schedulers", integer_to_list(erlang:system_info(schedulers_online))}],
    Pairs = [["\"", K, "\": ", V] || {K, V} <- Head ++ Fields],
    io:format("{~s}~n", [lists:join(", ", Pairs)]).

bench("pingpong") ->
    [{"pingpong", num(best(max, fun() -> in_process(fun() -> ping_pong(1000000) end) end) / 1.0e6)}];
bench("prodcons") ->
    [{"prodcons", num(best(max, fun() -> in_process(fun() -> producer_consumer(1000000) end) end) / 1.0e6)}];
bench("spawn") ->
    Rounds = [in_process(fun() -> spawn_waiting(100000) end) || _ <- [1, 2, 3]],
    [{"spawn_us", num(lists:min([Us || {Us, _, _} <- Rounds]))},
     {"spawn_bytes", num(lists:min([B || {_, B, _} <- Rounds]))},
     {"waiting_process_bytes", integer_to_list(lists:min([P || {_, _, P} <- Rounds]))}];
bench("selective") ->
    Rounds = [selective_receive(10000, 1000) || _ <- [1, 2, 3]],
    [{"selective_us", num(lists:min([S || {S, _} <- Rounds]))},
     {"selective_empty_us", num(lists:min([E || {_, E} <- Rounds]))}];
bench("gencall") ->
    [{"gencall", num(best(max, fun() -> in_process(fun() -> gen_call(200000) end) end) / 1.0e6)}];
bench(Other) ->
    io:format(standard_error, "unknown benchmark ~s~n", [Other]),
    halt(2).

best(max, F) -> lists:max([F() || _ <- [1, 2, 3]]).

%% Runs F in a fresh process (as the TypeScript runs each in run()) and returns its result.
in_process(F) ->
    Parent = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Parent ! {self(), result, F()} end),
    receive
        {Pid, result, R} ->
            receive {'DOWN', Ref, process, Pid, _} -> ok end,
            R;
        {'DOWN', Ref, process, Pid, Reason} ->
            exit(Reason)
    end.

now_us() -> erlang:monotonic_time(nanosecond) / 1000.

%% n one-way messages: n/2 round trips of {ping, From} and {pong, I}; msgs/s.
ping_pong(N) ->
    Me = self(),
    Half = N div 2,
    Ponger = spawn(fun() -> ponger(Half, 0) end),
    T0 = now_us(),
    pinger(Ponger, Me, Half),
    N / ((now_us() - T0) / 1.0e6).

ponger(Half, Half) -> ok;
ponger(Half, I) ->
    receive {ping, From} -> From ! {pong, I} end,
    ponger(Half, I + 1).

pinger(_, _, 0) -> ok;
pinger(Ponger, Me, K) ->
    Ponger ! {ping, Me},
    receive {pong, _} -> ok end,
    pinger(Ponger, Me, K - 1).

%% n {item, I} sent without waiting, taken by a consumer that then sends done; msgs/s.
producer_consumer(N) ->
    Me = self(),
    Consumer = spawn(fun() -> consume(N), Me ! done end),
    T0 = now_us(),
    produce(Consumer, 0, N),
    receive done -> ok end,
    N / ((now_us() - T0) / 1.0e6).

consume(0) -> ok;
consume(K) ->
    receive {item, _} -> ok end,
    consume(K - 1).

produce(_, N, N) -> ok;
produce(C, I, N) ->
    C ! {item, I},
    produce(C, I + 1, N).

%% n processes each waiting in `receive {never} -> ok end`. Time: from the
%% first spawn until every run queue is empty (every process has run to its
%% receive; the TypeScript waits one setImmediate); µs each. Memory:
%% erlang:memory(processes) after minus before, over n (it includes the list
%% of pids, as the TypeScript's heap figure includes its array of pids).
spawn_waiting(N) ->
    settle(erlang:memory(processes), 100),
    garbage_collect(),
    Mem0 = erlang:memory(processes),
    T0 = now_us(),
    Pids = spawn_n(N, []),
    wait_idle(),
    Us = (now_us() - T0) / N,
    garbage_collect(),
    Bytes = (erlang:memory(processes) - Mem0) / N,
    %% Checked after the clock stopped: every one is waiting in its receive.
    [{status, waiting} = process_info(P, status) || P <- Pids],
    {memory, One} = process_info(hd(Pids), memory),
    [exit(P, kill) || P <- Pids],
    wait_dead(Pids),
    {Us, Bytes, One}.

%% The previous round's processes are freed some time after they are dead
%% (tens of MB for a further 100 ms or so): wait until erlang:memory(processes)
%% holds still (two reads 20 ms apart within 64 KB, at most 2 s), or their
%% memory, freed during this round's measurement, would come off its figure.
settle(_, 0) -> ok;
settle(Prev, Tries) ->
    timer:sleep(20),
    case erlang:memory(processes) of
        M when abs(M - Prev) < 65536 -> ok;
        M -> settle(M, Tries - 1)
    end.

wait_dead([]) -> ok;
wait_dead([P | Rest] = Pids) ->
    case is_process_alive(P) of
        true -> erlang:yield(), wait_dead(Pids);
        false -> wait_dead(Rest)
    end.

spawn_n(0, Acc) -> Acc;
spawn_n(K, Acc) -> spawn_n(K - 1, [spawn(fun() -> receive {never} -> ok end end) | Acc]).

wait_idle() ->
    case erlang:statistics(total_run_queue_lengths) of
        0 -> ok;
        _ -> erlang:yield(), wait_idle()
    end.

%% Average µs of Rounds selective receives of a fresh {fresh, I} sent to
%% oneself, with Queued {otherK, I} (K = I rem 100) waiting ahead of it.
%% Five passes, empty mailbox then backlog, best of each kept, as the
%% TypeScript does; each pass in a fresh process. Returns {Backlog, Empty}.
selective_receive(Queued, Rounds) ->
    Tags = list_to_tuple([list_to_atom("other" ++ integer_to_list(K)) || K <- lists:seq(0, 99)]),
    Passes = [{in_process(fun() -> selective(Tags, Queued, Rounds) end),
               in_process(fun() -> selective(Tags, 0, Rounds) end)} || _ <- lists:seq(1, 5)],
    {lists:min([B || {B, _} <- Passes]), lists:min([E || {_, E} <- Passes])}.

selective(Tags, Queued, Rounds) ->
    Me = self(),
    fill(Me, Tags, 0, Queued),
    fresh(Me, 0, 100),
    T0 = now_us(),
    fresh(Me, 0, Rounds),
    (now_us() - T0) / Rounds.

fill(_, _, N, N) -> ok;
fill(Me, Tags, I, N) ->
    Me ! {element(I rem 100 + 1, Tags), I},
    fill(Me, Tags, I + 1, N).

fresh(_, N, N) -> ok;
fresh(Me, I, N) ->
    Me ! {fresh, I},
    receive {fresh, _} -> ok end,
    fresh(Me, I + 1, N).

%% n gen_server:call round trips to a server that replies with a counter; calls/s.
gen_call(N) ->
    {ok, Server} = gen_server:start(?MODULE, 0, []),
    T0 = now_us(),
    calls(Server, N),
    Rate = N / ((now_us() - T0) / 1.0e6),
    gen_server:stop(Server),
    Rate.

calls(_, 0) -> ok;
calls(Server, K) ->
    _ = gen_server:call(Server, next),
    calls(Server, K - 1).

init(N) -> {ok, N}.
handle_call(next, _From, N) -> {reply, N, N + 1}.
handle_cast(_, N) -> {noreply, N}.

otp_version() ->
    Rel = erlang:system_info(otp_release),
    File = filename:join([code:root_dir(), "releases", Rel, "OTP_VERSION"]),
    case file:read_file(File) of
        {ok, V} -> string:trim(binary_to_list(V));
        _ -> Rel
    end.

str(S) -> ["\"", S, "\""].

num(X) when is_integer(X) -> integer_to_list(X);
num(X) -> float_to_list(X, [{decimals, 4}, compact]).
