using Npgsql;

namespace OpenNdi.Bench;

/// <summary>A statement's plan as PostgreSQL runs it (<c>EXPLAIN (ANALYZE, BUFFERS)</c>), printed and returned for the result file.</summary>
internal static class QueryPlan
{
    public static async Task<string> ExplainAsync(string connectionString, string sql, Action<NpgsqlParameterCollection> parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"EXPLAIN (ANALYZE, BUFFERS) {sql}", connection);
        parameters(command.Parameters);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        var plan = string.Join('\n', lines);
        Console.WriteLine(plan);
        return plan;
    }
}
