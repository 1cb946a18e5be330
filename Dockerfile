# The runnable host (seed page, chat, Socket.IO server) as a container image:
#   docker build -t socketiochat .
#   docker run -p 8080:8080 -v socketiochat-data:/data socketiochat
# The chat's SQLite database is /data/chat.db (a volume); /healthz answers 200 while the server runs.

# 1. web/: the socket.io-client bundle and the chat's front end (React, built by vite).
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# 2. The .NET host, published with web/ as the first stage left it (no npm in this stage).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props SocketIoChat.sln ./
COPY Server/ Server/
COPY --from=web /src/web/ web/
RUN dotnet publish Server/Host/SocketIoChat.Host.csproj -c Release -o /app -p:SkipWebBuild=true

# 3. Runtime only.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Chat__Database=/data/chat.db
# The image runs as its non-root app user, who must own the volume.
RUN mkdir -p /data && chown "$APP_UID" /data
USER $APP_UID
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "SocketIoChat.Host.dll"]
