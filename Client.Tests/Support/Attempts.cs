namespace SocketIoChat.Tests.Support;

/// <summary>
/// For scenarios whose premise depends on timing the test cannot control, such as "this poll is
/// still pending when the next request arrives" while the server pings every 300 ms. The scenario
/// returns false when its premise did not hold (it checked nothing) and is then run again on a new
/// session; it returns true once it ran and asserted everything.
/// </summary>
public static class Attempts
{
    /// <summary>How many times a scenario may be inconclusive before the test fails.</summary>
    public const int Limit = 5;

    /// <summary>Runs <paramref name="scenario"/> until it is conclusive.</summary>
    public static async Task UntilConclusiveAsync(Func<Task<bool>> scenario)
    {
        for (var attempt = 1; attempt <= Limit; attempt++)
        {
            if (await scenario())
            {
                return;
            }
            TestContext.Out.WriteLine($"attempt {attempt} was inconclusive (timing); trying again");
        }
        Assert.Fail($"the scenario was inconclusive {Limit} times in a row: the machine is too slow for its premise");
    }
}
