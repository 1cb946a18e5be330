using SocketIoChat.SocketIo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSocketIo();   // options: "SocketIo" in appsettings.json

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();             // wwwroot/index.html, the chat page
app.MapSocketIo(configure: io => io.Sockets.OnConnection(socket =>
{
    // Every message goes to everyone, the sender included; the page shows what comes back.
    socket.On("chat message", e => io.Sockets.Emit("chat message", e.Arg(0)));
}));

app.Run();
